// The schedule as worker roles run it: started in two processes at once, every task of
// schedule.ts runs once and succeeds against a fresh database (they all run at start), and
// docs/operations.md lists exactly these tasks.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { createTestDatabase } from '../helpers/db.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { createAlertState } from '../../server/src/alerts/state.js';
import { loadConfig } from '../../server/src/config.js';
import type { Deps } from '../../server/src/deps.js';
import { createLogger } from '../../server/src/shared/log.js';
import { scheduleRuns } from '../../server/src/metrics/schedule.js';
import { createProcessQueue, type ProcessJob } from '../../server/src/shared/queues.js';
import { scheduledTasks } from '../../server/src/schedule.js';
import { startScheduler } from '../../server/src/scheduler/run.js';

describe('schedule', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let redis: Redis;
  let queue: Queue<ProcessJob>;
  let deps: Deps;
  const prefix = testRedisPrefix();
  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    queue = createProcessQueue(new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }), prefix);
    const config = loadConfig({ REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix });
    deps = {
      config,
      log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      pool: db.pool,
      redis,
      queue,
      alerts: createAlertState(redis, prefix, config.alerts),
    };
  });
  afterAll(async () => {
    await deps.alerts.queue.close();
    await queue.close();
    await cleanRedisPrefix(prefix);
    redis.disconnect();
    await db.drop();
  });

  const count = async (task: string, outcome: string) =>
    (await scheduleRuns.get()).values.find((v) => v.labels.task === task && v.labels.outcome === outcome)?.value ?? 0;

  it('two worker processes starting together run every task once, each successfully', async () => {
    const slots = new Map<string, number[]>(); // task → slots run, by either process
    const watched = () =>
      scheduledTasks(deps).map((t) => ({
        ...t,
        run: (ctx: { slot: number }) => {
          slots.set(t.name, [...(slots.get(t.name) ?? []), ctx.slot]);
          return t.run(ctx);
        },
      }));
    const otherRedis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const a = startScheduler(watched(), { redis, prefix, log: deps.log, firstTickMs: 0 });
    const b = startScheduler(watched(), { redis: otherRedis, prefix, log: deps.log, firstTickMs: 0 });
    const tasks = scheduledTasks(deps);
    try {
      for (const t of tasks)
        await waitFor(async () => (await count(t.name, 'success')) >= 1, {
          timeout: 30_000,
          message: `${t.name} to succeed`,
        });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      otherRedis.disconnect();
    }
    for (const t of tasks) {
      const ran = slots.get(t.name) ?? [];
      expect(new Set(ran).size, `${t.name} ran one interval twice: ${ran.join(',')}`).toBe(ran.length);
      expect(await count(t.name, 'failure'), t.name).toBe(0);
    }
  });

  it('MONITOR_TICK_SECONDS=0 leaves the monitor tick out', () => {
    const names = (env: Record<string, string>) =>
      scheduledTasks({ ...deps, config: loadConfig({ REDIS_PREFIX: prefix, ...env }) }).map((t) => t.name);
    expect(names({})).toContain('monitor-tick');
    expect(names({ MONITOR_TICK_SECONDS: '0' })).not.toContain('monitor-tick');
  });

  it('docs/operations.md lists exactly the scheduled tasks', () => {
    const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const from = doc.indexOf('## Periodic tasks');
    expect(from).toBeGreaterThan(-1);
    const section = doc.slice(from, doc.indexOf('\n## ', from + 1));
    const documented = [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(
      scheduledTasks(deps)
        .map((t) => t.name)
        .sort(),
    );
  });
});
