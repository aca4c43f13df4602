// Fault: the worker process is SIGKILLed while batches are in flight. After a restart every
// event ingest accepted is stored exactly once and every counter is exact. Ingest and worker
// run as separate processes on their own test database and Redis prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestDatabase } from '../helpers/db.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import {
  createProcessQueue,
  eventJobId,
  isBatchJob,
  type EventJob,
  type ProcessJob,
} from '../../server/src/shared/queues.js';
import { addJobs } from '../../ingest/src/enqueue.js';
import type { Queue } from 'bullmq';
import {
  eventIdOf,
  type FaultlineProcess,
  jobCounts,
  sendEvent,
  spawnFaultline,
} from '../helpers/reliability-harness.js';

const EVENTS = 500;
const STALL_TIMEOUT_MS = 4_000; // the killed worker's jobs go back to the queue after about this

describe('worker killed mid-batch', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prefix: string;
  let project: CreatedProject;
  let queue: Queue<ProcessJob>;
  let connection: Redis;
  const procs: FaultlineProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    project = await createProject(db.pool);
    connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = createProcessQueue(connection, prefix);
  });
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await queue?.close();
    connection?.disconnect();
    await cleanRedisPrefix(prefix);
    await db?.drop();
  });

  const env = (role: string) => ({
    ROLE: role,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    WORKER_BATCH_SIZE: '25',
    WORKER_CONCURRENCY: '50',
    WORKER_STALL_TIMEOUT_MS: String(STALL_TIMEOUT_MS),
  });
  const q = async (sql: string) => (await db.pool.query<{ n: number }>(sql, [project.projectId])).rows[0]!.n;
  const stored = () => q('SELECT count(*)::int AS n FROM events WHERE project_id = $1');

  it('stores every accepted event exactly once after a restart', async () => {
    const [ingest, first] = await Promise.all([spawnFaultline(env('ingest')), spawnFaultline(env('worker'))]);
    procs.push(ingest, first);
    const sending = Promise.all(
      Array.from({ length: EVENTS }, (_, i) =>
        sendEvent(ingest.url, project, {
          event_id: eventIdOf(i, 'a1'),
          message: `kill test ${i % 5}`,
          level: 'error',
          user: { id: `u${i % 13}` },
          exception: {
            values: [
              {
                type: `KillError${i % 5}`,
                value: 'boom',
                stacktrace: { frames: [{ function: 'f', filename: 'app.js', lineno: i % 5 }] },
              },
            ],
          },
        }),
      ),
    );
    // Kill while the worker holds active jobs and has stored part of them, under load.
    await waitFor(async () => (await stored()) >= 50 && (await jobCounts(queue)).active > 0, {
      timeout: 60_000,
      interval: 5,
      message: 'a batch in flight',
    });
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect((await sending).every((st) => st === 200)).toBe(true);
    const atKill = await stored();
    expect(atKill).toBeLessThan(EVENTS);

    const second = await spawnFaultline(env('worker'));
    procs.push(second);
    await waitFor(async () => (await stored()) === EVENTS, { timeout: 90_000, message: `${EVENTS} stored events` });
    await waitFor(
      async () => {
        const c = await jobCounts(queue);
        return c.waiting + c.active + c.delayed === 0;
      },
      { timeout: 30_000, message: 'an empty queue' },
    );

    expect(await stored()).toBe(EVENTS);
    expect(await q('SELECT count(DISTINCT event_id)::int AS n FROM events WHERE project_id = $1')).toBe(EVENTS);
    expect(await q('SELECT sum(event_count)::int AS n FROM issues WHERE project_id = $1')).toBe(EVENTS);
    expect(
      await q(
        'SELECT sum(h.count)::int AS n FROM issue_hourly_counts h JOIN issues i ON i.id = h.issue_id WHERE i.project_id = $1',
      ),
    ).toBe(EVENTS);
    expect(await q('SELECT count(*)::int AS n FROM issues WHERE project_id = $1')).toBe(5);
    expect(await q('SELECT sum(user_count)::int AS n FROM issues WHERE project_id = $1')).toBe(5 * 13);
    expect((await jobCounts(queue)).failed).toBe(0);
  }, 180_000);

  it('stores every event of a half-processed micro-batch job exactly once after a restart', async () => {
    for (const p of procs.splice(0)) await p.stop(); // the previous case's worker would take the jobs
    const other = await createProject(db.pool);
    const count = async (sql: string) => (await db.pool.query<{ n: number }>(sql, [other.projectId])).rows[0]!.n;
    const storedHere = () => count('SELECT count(*)::int AS n FROM events WHERE project_id = $1');
    const N = 300; // one job of 256 events and one of 44, as ingest packs them
    const receivedAt = Date.now();
    const records = Array.from({ length: N }, (_, i) => {
      const eventId = eventIdOf(i, 'b7');
      const payload = JSON.stringify({
        message: `batch kill ${i % 4}`,
        level: 'error',
        user: { id: `u${i % 11}` },
        exception: {
          values: [
            {
              type: `BatchKillError${i % 4}`,
              value: 'boom',
              stacktrace: { frames: [{ function: 'g', filename: 'app.js', lineno: i % 4 }] },
            },
          ],
        },
      });
      const data: EventJob = {
        v: 1,
        kind: 'event',
        projectId: other.projectId,
        eventId,
        receivedAt,
        payload,
        meta: {},
      };
      return { name: 'event', data, jobId: eventJobId(other.projectId, eventId) };
    });
    await addJobs(queue, records);
    expect(
      (await queue.getJobs(['waiting']))
        .map((j) => {
          const d: unknown = j.data;
          return isBatchJob(d) ? d.items.length : 1;
        })
        .sort((a, b) => a - b),
    ).toEqual([44, 256]);

    // Small worker batches, so a job's events are stored over many transactions.
    const worker = await spawnFaultline({ ...env('worker'), WORKER_BATCH_SIZE: '5', WORKER_CONCURRENCY: '1' });
    procs.push(worker);
    await waitFor(
      async () => {
        const n = await storedHere();
        return n >= 20 && n < 256 && (await queue.getJobs(['active'])).some((j) => isBatchJob(j.data));
      },
      { timeout: 60_000, interval: 5, message: 'a micro-batch job half processed' },
    );
    worker.kill('SIGKILL');
    expect((await worker.exited).signal).toBe('SIGKILL');
    const atKill = await storedHere();
    expect(atKill).toBeLessThan(N);

    const second = await spawnFaultline(env('worker'));
    procs.push(second);
    await waitFor(async () => (await storedHere()) === N, { timeout: 90_000, message: `${N} stored events` });
    await waitFor(
      async () => {
        const c = await jobCounts(queue);
        return c.waiting + c.active + c.delayed === 0;
      },
      { timeout: 30_000, message: 'an empty queue' },
    );

    expect(await count('SELECT count(DISTINCT event_id)::int AS n FROM events WHERE project_id = $1')).toBe(N);
    expect(await count('SELECT sum(event_count)::int AS n FROM issues WHERE project_id = $1')).toBe(N);
    expect(
      await count(
        'SELECT sum(h.count)::int AS n FROM issue_hourly_counts h JOIN issues i ON i.id = h.issue_id WHERE i.project_id = $1',
      ),
    ).toBe(N);
    expect(await count('SELECT count(*)::int AS n FROM issues WHERE project_id = $1')).toBe(4);
    expect(await count('SELECT sum(user_count)::int AS n FROM issues WHERE project_id = $1')).toBe(4 * 11);
    expect((await jobCounts(queue)).failed).toBe(0);
  }, 180_000);
});
