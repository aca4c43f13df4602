// The coalescing producer against real Redis: one addBulk per micro-batch, promises settle
// after the add, and an unreachable Redis turns into QueueUnavailableError instead of a hang.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import {
  createProcessQueue,
  isBatchJob,
  type AuxJob,
  type EventJob,
  type ProcessJob,
} from '../../server/src/shared/queues.js';
import { createRedis } from '../../server/src/shared/redis.js';
import { createLogger } from '../../server/src/shared/log.js';
import { createEnqueuer, packJobs, QueueUnavailableError, type QueuedJob } from '../../ingest/src/enqueue.js';
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
  it('coalesces concurrent requests into one addBulk of one micro-batch job and resolves after it is stored', async () => {
    const q = createProcessQueue(createRedis(TEST_REDIS_URL, { maxRetriesPerRequest: null }), testRedisPrefix());
    const calls = countAddBulk(q);
    const enqueuer = createEnqueuer(q, { isReady: () => true, log, batchWaitMs: 5 });
    const batches = Array.from({ length: 30 }, () => [job(), job()]);
    await Promise.all(batches.map((b) => enqueuer.enqueue(b)));
    expect(calls()).toBe(1);
    const stored = await q.getJobs(['waiting']);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.data).toEqual({ v: 1, kind: 'batch', items: batches.flat().map((j) => j.data) });
    expect(stored[0]!.opts).toMatchObject({ attempts: 8, removeOnComplete: true });
    await q.obliterate({ force: true });
    await q.close();
  });

  it('a lone request stays a plain job with its own id', async () => {
    const enqueuer = createEnqueuer(queue, { isReady: () => true, log, batchWaitMs: 1 });
    const j = job();
    await enqueuer.enqueue([j]);
    expect((await queue.getJob(j.jobId!))?.data).toEqual(j.data);
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
    expect(results.map((r) => r.status === 'rejected' && r.reason instanceof QueueUnavailableError)).toEqual([
      true,
      true,
      true,
    ]);
    await Promise.race([dead.close(), new Promise((r) => setTimeout(r, 1000))]);
  });
});

describe('packJobs', () => {
  const event = (i: number, bytes = 10, priority?: number): QueuedJob => {
    const data: EventJob = {
      v: 1,
      kind: 'event',
      projectId: '1',
      eventId: i.toString(16).padStart(32, '0'),
      receivedAt: 0,
      payload: 'x'.repeat(bytes),
      meta: {},
    };
    return { name: 'event', data, jobId: `e-1-${data.eventId}`, priority };
  };
  const items = (j: ReturnType<typeof packJobs>[number]) => (isBatchJob(j.data) ? j.data.items.length : 1);

  it('bounds a job by item count and by payload bytes, never splitting an item', () => {
    expect(packJobs(Array.from({ length: 600 }, (_, i) => event(i))).map(items)).toEqual([256, 256, 88]);
    expect(packJobs(Array.from({ length: 5 }, (_, i) => event(i, 400_000))).map(items)).toEqual([2, 2, 1]);
    expect(packJobs([event(1, 3_000_000), event(2)]).map(items)).toEqual([1, 1]);
  });

  it('keeps the records in order, collapses a repeated job id, and packs each priority apart', () => {
    const jobs = packJobs([event(1), event(2, 10, 5), event(3), event(1), event(4, 10, 5)]);
    expect(
      jobs.map((j) => [
        j.opts.priority,
        isBatchJob(j.data) ? j.data.items.map((d) => (d as EventJob).eventId.slice(-1)) : null,
      ]),
    ).toEqual([
      [undefined, ['1', '3']],
      [5, ['2', '4']],
    ]);
    expect(jobs.every((j) => j.opts.jobId === undefined && j.name === 'batch')).toBe(true);
  });

  it('a single record keeps its name, id and priority', () => {
    const [only] = packJobs([event(7, 10, 3)]);
    expect(only).toMatchObject({
      name: 'event',
      data: event(7).data,
      opts: { jobId: event(7).jobId, priority: 3, attempts: 8 },
    });
  });
});
