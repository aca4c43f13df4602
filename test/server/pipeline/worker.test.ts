import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { createTestDatabase } from '../../helpers/db.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { createAlertState } from '../../../server/src/alerts/state.js';
import { loadConfig } from '../../../server/src/config.js';
import type { Deps } from '../../../server/src/deps.js';
import { createLogger } from '../../../server/src/shared/log.js';
import { startWorker } from '../../../server/src/main-worker.js';
import { processBatch } from '../../../server/src/pipeline/process-event.js';
import { createProcessQueue, eventJobId, type ProcessJob } from '../../../server/src/shared/queues.js';
import { packJobs } from '../../../ingest/src/enqueue.js';
import { poisonStep, withStepAfter } from '../../helpers/faults.js';
import { createProject } from '../../helpers/db-fixtures.js';
import { fixtureJobs, syntheticEventJob } from '../../helpers/sdk-fixtures.js';

// Every case runs with one job per item, and with micro-batch jobs as ingest packs them (small
// ones here, so a case spans several jobs).
describe.each(['single', 'micro-batch'] as const)('worker through BullMQ (%s jobs)', (mode) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const opened: Array<{ prefix: string; redis: Redis; queue: Queue<ProcessJob> }> = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const o of opened) {
      await o.queue.close();
      o.redis.disconnect();
      await cleanRedisPrefix(o.prefix);
    }
    await db.drop();
  });

  /** Deps as the entrypoint builds them, with a queue under a fresh test prefix. */
  function makeDeps(env: Record<string, string> = {}): Deps {
    const prefix = testRedisPrefix();
    const config = loadConfig({ REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ...env });
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const queue = createProcessQueue(new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }), prefix);
    opened.push({ prefix, redis, queue });
    return {
      config,
      log: createLogger({ level: 'silent' }),
      pool: db.pool,
      redis,
      queue,
      alerts: createAlertState(redis, prefix, config.alerts),
    };
  }

  const enqueue = (deps: Deps, jobs: ProcessJob[]) =>
    mode === 'single'
      ? deps.queue.addBulk(
          jobs.map((data) => ({
            name: data.kind,
            data,
            opts: data.kind === 'event' ? { jobId: eventJobId(data.projectId, data.eventId) } : {},
          })),
        )
      : deps.queue.addBulk(
          packJobs(
            jobs.map((data) => ({
              name: data.kind,
              data,
              jobId: data.kind === 'event' ? eventJobId(data.projectId, data.eventId) : undefined,
            })),
            8,
          ) as Parameters<Deps['queue']['addBulk']>[0],
        );
  const count = async (sql: string, params: unknown[]) => (await db.pool.query<{ n: number }>(sql, params)).rows[0]!.n;
  const storedEvents = (projectId: string) =>
    count('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [projectId]);
  const countedEvents = (projectId: string) =>
    count('SELECT coalesce(sum(event_count), 0)::int AS n FROM issues WHERE project_id = $1', [projectId]);
  const hourlyEvents = (projectId: string) =>
    count(
      'SELECT coalesce(sum(h.count), 0)::int AS n FROM issue_hourly_counts h JOIN issues i ON i.id = h.issue_id WHERE i.project_id = $1',
      [projectId],
    );

  it('processes queued SDK events and sessions, then closes', async () => {
    const deps = makeDeps();
    const { projectId } = await createProject(db.pool, `wk-node-${mode}`);
    await enqueue(deps, fixtureJobs('node-sdk-11.12', { projectId, receivedAt: Date.now() }));
    const worker = await startWorker(deps);
    try {
      await waitFor(async () => (await storedEvents(projectId)) === 5, { message: '5 stored events' });
      await waitFor(
        async () =>
          (await count('SELECT count(*)::int AS n FROM session_counts WHERE project_id = $1', [projectId])) === 1,
        { message: 'session counts' },
      );
      await waitFor(
        async () => (await deps.queue.getJobCounts('waiting', 'active', 'delayed', 'failed')).active === 0,
        { message: 'no active jobs' },
      );
    } finally {
      await worker.close();
    }
    expect(await countedEvents(projectId)).toBe(5);
    expect(await deps.queue.getJobCounts('waiting', 'active', 'delayed', 'failed')).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: 0,
    });
  });

  it('fails invalid jobs for good instead of retrying them', async () => {
    const deps = makeDeps();
    const { projectId } = await createProject(db.pool, `wk-invalid-${mode}`);
    const good = syntheticEventJob({ projectId, receivedAt: Date.now(), eventId: 'f'.repeat(32) });
    await enqueue(deps, [good, { ...good, eventId: 'e'.repeat(32), payload: 'not json' }]);
    const worker = await startWorker(deps);
    try {
      await waitFor(async () => (await deps.queue.getJobCounts('failed')).failed === 1, {
        message: 'the invalid job to fail',
      });
      await waitFor(async () => (await storedEvents(projectId)) === 1, { message: 'the good event' });
    } finally {
      await worker.close();
    }
    const [failed] = await deps.queue.getFailed();
    expect(failed!.attemptsMade).toBe(1);
    expect(failed!.failedReason).toMatch(/parse/);
  });

  it('restarting the worker while events are queued loses nothing and stores nothing twice', async () => {
    // Small batches and low concurrency so the first worker is stopped part-way through.
    const deps = makeDeps({ WORKER_CONCURRENCY: '4', WORKER_BATCH_SIZE: '4', WORKER_BATCH_WAIT_MS: '10' });
    const { projectId } = await createProject(db.pool, `wk-restart-${mode}`);
    const receivedAt = Date.now();
    const jobs = Array.from({ length: 200 }, (_, i) =>
      syntheticEventJob({
        projectId,
        receivedAt,
        eventId: (i + 1).toString(16).padStart(32, '0'),
        type: `RestartError${i % 4}`,
        user: `u${i % 7}`,
      }),
    );
    await enqueue(deps, jobs);

    const first = await startWorker(deps);
    await waitFor(async () => (await storedEvents(projectId)) >= 20, {
      message: 'the first worker to store some events',
    });
    await first.close();

    const second = await startWorker(deps);
    try {
      await waitFor(async () => (await storedEvents(projectId)) === 200, {
        timeout: 30_000,
        message: '200 stored events',
      });
      await waitFor(async () => (await deps.queue.getJobCounts('waiting', 'active', 'delayed')).waiting === 0, {
        message: 'an empty queue',
      });
    } finally {
      await second.close();
    }
    expect(await storedEvents(projectId)).toBe(200);
    expect(await countedEvents(projectId)).toBe(200);
    expect(await hourlyEvents(projectId)).toBe(200);
    const issues = await db.pool.query<{ event_count: number; user_count: number }>(
      'SELECT event_count::int, user_count::int FROM issues WHERE project_id = $1',
      [projectId],
    );
    expect(issues.rows).toHaveLength(4);
    expect(issues.rows.every((r) => r.event_count === 50 && r.user_count === 7)).toBe(true);
    expect(await deps.queue.getJobCounts('waiting', 'active', 'delayed', 'failed')).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: 0,
    });
  });

  it('a redelivered job whose batch already committed (crash before ack) is not counted again', async () => {
    const deps = makeDeps();
    const { projectId } = await createProject(db.pool, `wk-redeliver-${mode}`);
    const jobs = Array.from({ length: 10 }, (_, i) =>
      syntheticEventJob({ projectId, receivedAt: Date.now(), eventId: (i + 1).toString(16).padStart(32, 'a') }),
    );
    await processBatch(deps, jobs); // committed, but the "crashed" worker never acked
    await enqueue(deps, jobs);
    const worker = await startWorker(deps);
    try {
      await waitFor(async () => (await deps.queue.getJobCounts('waiting', 'active', 'delayed')).waiting === 0, {
        message: 'an empty queue',
      });
      await waitFor(async () => (await deps.queue.getJobCounts('active')).active === 0, { message: 'no active jobs' });
    } finally {
      await worker.close();
    }
    expect(await storedEvents(projectId)).toBe(10);
    expect(await countedEvents(projectId)).toBe(10);
  });

  it.runIf(mode === 'micro-batch')(
    'a poisoned item is split off: its neighbours are stored and counted once, it alone is retried and dead-lettered',
    async () => {
      const POISON = 'poison-pill-batch';
      const deps = makeDeps({ WORKER_MAX_ATTEMPTS: '2' });
      const { projectId } = await createProject(db.pool, 'wk-poison-batch');
      const receivedAt = Date.now();
      const jobs = Array.from({ length: 12 }, (_, i) =>
        syntheticEventJob({
          projectId,
          receivedAt,
          eventId: (i + 1).toString(16).padStart(32, 'c'),
          value: i === 5 ? POISON : 'fine',
        }),
      );
      await deps.queue.addBulk(
        packJobs(
          jobs.map((data) => ({ name: 'event', data, jobId: eventJobId(projectId, data.eventId) })),
        ) as Parameters<Deps['queue']['addBulk']>[0],
      );
      expect(await deps.queue.getJobCounts('waiting')).toEqual({ waiting: 1 }); // one job holds all 12
      const worker = await startWorker(deps, { pipeline: withStepAfter('normalize', poisonStep(POISON)) });
      try {
        await waitFor(async () => (await deps.queue.getJobCounts('failed')).failed === 1, {
          timeout: 20_000,
          message: 'the poisoned event to be dead-lettered',
        });
      } finally {
        await worker.close();
      }
      expect(await storedEvents(projectId)).toBe(11);
      expect(await countedEvents(projectId)).toBe(11);
      const [failed] = await deps.queue.getFailed();
      expect(failed!.id).toBe(eventJobId(projectId, jobs[5]!.eventId));
      expect(failed!.data).toEqual(jobs[5]);
      expect(failed!.attemptsMade).toBe(2);
      expect(failed!.failedReason).toMatch(/gave up after 2 attempts: .*poisoned event/);
      expect(await deps.queue.getJobCounts('waiting', 'active', 'delayed')).toEqual({
        waiting: 0,
        active: 0,
        delayed: 0,
      });
    },
  );
});
