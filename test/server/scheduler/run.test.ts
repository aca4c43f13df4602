// The scheduler against the real Redis: several processes' schedulers share the work (each slot
// of each task runs once, a task never overlaps itself), a failing task is counted and retried
// while the others go on, stop() waits for a run, and a dead process's lease only delays a task.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { createLogger } from '../../../server/src/shared/log.js';
import { scheduleLastSuccess, scheduleRuns } from '../../../server/src/metrics/schedule.js';
import { lockKey, startScheduler, type Scheduler, type ScheduledTask } from '../../../server/src/scheduler/run.js';

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

async function runsOf(task: string, outcome: 'success' | 'failure'): Promise<number> {
  const m = await scheduleRuns.get();
  return m.values.find((v) => v.labels.task === task && v.labels.outcome === outcome)?.value ?? 0;
}

describe('scheduler', () => {
  let redis: Redis;
  let prefix: string;
  const started: Scheduler[] = [];
  const start = (tasks: ScheduledTask[], opts: { leaseMs?: number; redis?: Redis } = {}) => {
    const s = startScheduler(tasks, { redis: opts.redis ?? redis, prefix, log, leaseMs: opts.leaseMs, firstTickMs: 0 });
    started.push(s);
    return s;
  };
  beforeAll(() => {
    prefix = testRedisPrefix();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await cleanRedisPrefix(prefix);
    redis.disconnect();
  });

  it('two schedulers started together run each task once per interval, never overlapping', async () => {
    const every = 200;
    const runs = new Map<string, number[]>(); // task → slots run, from both schedulers
    const active = new Map<string, number>();
    let overlaps = 0;
    const task = (name: string, ms: number): ScheduledTask => ({
      name,
      every,
      run: async ({ slot }) => {
        active.set(name, (active.get(name) ?? 0) + 1);
        if (active.get(name)! > 1) overlaps++;
        runs.set(name, [...(runs.get(name) ?? []), slot]);
        await new Promise((r) => setTimeout(r, ms));
        active.set(name, active.get(name)! - 1);
      },
    });
    // The same list in two "processes" (two schedulers, two Redis connections).
    const other = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const tasks = () => [task('pair-quick', 5), task('pair-slow', 50)];
    const a = start(tasks());
    const b = start(tasks(), { redis: other });
    try {
      await waitFor(() => (runs.get('pair-quick')?.length ?? 0) >= 6 && (runs.get('pair-slow')?.length ?? 0) >= 6, {
        timeout: 30_000,
        message: 'six runs of each task',
      });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      other.disconnect();
    }
    for (const [name, slots] of runs) {
      expect(new Set(slots).size, `${name} ran a slot twice: ${slots.join(',')}`).toBe(slots.length);
    }
    expect(overlaps).toBe(0);
    expect(await redis.exists(lockKey(prefix, 'pair-quick'), lockKey(prefix, 'pair-slow'))).toBe(0); // released on stop
  });

  it('a task that throws is counted and retried at the next tick; the others keep going', async () => {
    let flakyCalls = 0;
    let steadyRuns = 0;
    const s = start([
      {
        name: 'flaky',
        every: 100,
        run: async () => {
          if (++flakyCalls <= 2) throw new Error('flaky failure');
        },
      },
      {
        name: 'steady',
        every: 100,
        run: async () => {
          steadyRuns++;
        },
      },
    ]);
    await waitFor(async () => (await runsOf('flaky', 'success')) >= 1, {
      timeout: 30_000,
      message: 'flaky to recover',
    });
    const steadyBefore = steadyRuns;
    await waitFor(() => steadyRuns >= steadyBefore + 2, { timeout: 30_000, message: 'steady to keep running' });
    await s.stop();
    expect(await runsOf('flaky', 'failure')).toBe(2);
    expect(await runsOf('steady', 'failure')).toBe(0);
    expect(await runsOf('steady', 'success')).toBe(steadyRuns); // every run counted
    const last = (await scheduleLastSuccess.get()).values.find((v) => v.labels.task === 'flaky')?.value ?? 0;
    expect(last).toBeGreaterThan(Date.now() / 1000 - 3600);
  });

  it('stop() waits for the run in progress, then releases its lock', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started = false;
    let finished = false;
    const s = start([
      {
        name: 'long-run',
        every: 60_000,
        run: async () => {
          started = true;
          await gate;
          finished = true;
        },
      },
    ]);
    await waitFor(() => started, { message: 'the run to start' });
    let stopped = false;
    const stopping = s.stop().then(() => {
      stopped = true;
    });
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(await redis.exists(lockKey(prefix, 'long-run'))).toBe(1);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    expect(await redis.exists(lockKey(prefix, 'long-run'))).toBe(0);
  });

  it('a lease left by a process that died mid-run only delays the task until it expires', async () => {
    await redis.set(lockKey(prefix, 'orphaned'), 'a-dead-process', 'PX', 1500);
    let runs = 0;
    start([
      {
        name: 'orphaned',
        every: 100,
        run: async () => {
          runs++;
        },
      },
    ]);
    await waitFor(async () => (await redis.pttl(lockKey(prefix, 'orphaned'))) < 1200, {
      message: 'some ticks while the lease lasts',
    });
    const seen = runs;
    const stillLeased = (await redis.pttl(lockKey(prefix, 'orphaned'))) > 0;
    if (stillLeased) expect(seen).toBe(0); // observed before the lease ended: nothing ran meanwhile
    await waitFor(() => runs >= 1, { timeout: 30_000, message: 'the task to run after the lease expired' });
  });

  it('an unreachable Redis is a counted failure, not a crash; the tasks run once it is back', async () => {
    // Disconnected, no offline queue: every command fails, as while Redis is down.
    const flaky = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    flaky.on('error', () => {});
    await new Promise((r) => flaky.once('ready', r));
    flaky.disconnect();
    let runs = 0;
    const s = start(
      [
        {
          name: 'no-redis',
          every: 100,
          run: async () => {
            runs++;
          },
        },
      ],
      { redis: flaky },
    );
    try {
      await waitFor(async () => (await runsOf('no-redis', 'failure')) >= 2, { message: 'failed claims counted' });
      expect(runs).toBe(0); // without the lock nothing runs
      await flaky.connect();
      await waitFor(() => runs >= 2, { timeout: 30_000, message: 'runs once Redis answers' });
    } finally {
      await s.stop();
      flaky.disconnect();
    }
  });

  it('refuses a bad task list', () => {
    expect(() =>
      startScheduler([{ name: 'Bad Name', every: 1000, run: async () => {} }], { redis, prefix, log }),
    ).toThrow(/task name/);
    expect(() =>
      startScheduler(
        [
          { name: 'twice', every: 1000, run: async () => {} },
          { name: 'twice', every: 5, run: async () => {} },
        ],
        { redis, prefix, log },
      ),
    ).toThrow(/repeated/);
    expect(() => startScheduler([{ name: 'zero', every: 0, run: async () => {} }], { redis, prefix, log })).toThrow(
      /positive/,
    );
  });
});
