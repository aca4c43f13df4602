// The coalescing producer against real Redis: one addBulk per micro-batch, promises settle
// after the add, and an unreachable Redis turns into QueueUnavailableError instead of a hang.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createProcessQueue, type AuxJob, type ProcessJob } from '../../server/src/shared/queues.js';
import { createRedis } from '../../server/src/shared/redis.js';
import { createLogger } from '../../server/src/shared/log.js';
import { createEnqueuer, QueueUnavailableError, type QueuedJob } from '../../ingest/src/enqueue.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

const log = createLogger({ level: 'silent' });
let prefix: string;
let queue: Queue<ProcessJob>;

beforeAll(() => {
  prefix = testRedisPrefix();
  queue = createProcessQueue(createRedis(TEST_REDIS_URL, { maxRetriesPerRequest: null }), prefix);
});
afterAll(async () => {
  await queue.close();
  await cleanRedisPrefix(prefix);
});

let n = 0;
function job(): QueuedJob {
  const data: AuxJob = { v: 1, kind: 'session', projectId: '1', receivedAt: 0, payload: `{"n":${n++}}` };
  return { name: 'session', data, jobId: `test-${process.pid}-${Date.now()}-${n}` };
}

/** Counts addBulk calls on the real queue. */
function countAddBulk(q: Queue<ProcessJob>): () => number {
  let calls = 0;
  const original = q.addBulk.bind(q);
  q.addBulk = ((...args: Parameters<typeof original>) => {
    calls++;
    return original(...args);
  }) as typeof q.addBulk;
  return () => calls;
}

describe('createEnqueuer', () => {
  it('coalesces concurrent requests into one addBulk and resolves after the jobs are stored', async () => {
    const calls = countAddBulk(queue);
    const enqueuer = createEnqueuer(queue, { isReady: () => true, log, batchWaitMs: 5 });
    const batches = Array.from({ length: 30 }, () => [job(), job()]);
    await Promise.all(batches.map((b) => enqueuer.enqueue(b)));
    expect(calls()).toBe(1);
    const stored = await Promise.all(batches.flat().map((j) => queue.getJob(j.jobId!)));
    expect(stored.map((j) => j?.data)).toEqual(batches.flat().map((j) => j.data));
    expect(stored[0]?.opts).toMatchObject({ attempts: 8, removeOnComplete: true });
  });

  it('flushes early once maxBatchJobs are waiting', async () => {
    const q = createProcessQueue(createRedis(TEST_REDIS_URL, { maxRetriesPerRequest: null }), prefix);
    const calls = countAddBulk(q);
    const enqueuer = createEnqueuer(q, { isReady: () => true, log, batchWaitMs: 10_000, maxBatchJobs: 4 });
    await Promise.all(Array.from({ length: 8 }, () => enqueuer.enqueue([job()])));
    expect(calls()).toBe(2);
    await q.close();
  });

  it('flushes waiting jobs on close()', async () => {
    const enqueuer = createEnqueuer(queue, { isReady: () => true, log, batchWaitMs: 60_000 });
    const j = job();
    const done = enqueuer.enqueue([j]);
    await enqueuer.close();
    await done;
    expect(await queue.getJob(j.jobId!)).toBeDefined();
  });

  it('fails fast without calling Redis when the connection is not ready', async () => {
    const calls = countAddBulk(queue);
    const enqueuer = createEnqueuer(queue, { isReady: () => false, log });
    await expect(enqueuer.enqueue([job()])).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(calls()).toBe(0);
  });

  it('rejects every waiting request when Redis does not answer in time', async () => {
    const dead = createProcessQueue(createRedis('redis://127.0.0.1:1', { maxRetriesPerRequest: null }), prefix);
    dead.on('error', () => {});
    const enqueuer = createEnqueuer(dead, { isReady: () => true, log, timeoutMs: 200 });
    const results = await Promise.allSettled(Array.from({ length: 3 }, () => enqueuer.enqueue([job()])));
    expect(results.map((r) => r.status === 'rejected' && r.reason instanceof QueueUnavailableError)).toEqual([true, true, true]);
    await Promise.race([dead.close(), new Promise((r) => setTimeout(r, 1000))]);
  });
});
