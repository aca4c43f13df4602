// Runs the periodic tasks of schedule.ts. Every worker process runs a scheduler; Redis decides
// which one does each run, so a multi-process deployment runs every task once per interval:
// - intervals are aligned to the clock (slot n covers [n·every, (n+1)·every)), and the process
//   that first claims a slot's key (SET NX) runs it; the others skip it;
// - while a run lasts, the task's lock key (a lease of LEASE_MS, renewed every LEASE_MS/3) makes
//   every later slot skip, so a task never overlaps itself. A process that dies mid-run stops
//   renewing and its lease expires: the next slot after that runs again;
// - a run that throws is logged and counted, and the next slot tries again; it never stops the
//   scheduler nor the other tasks. stop() waits for the runs in progress.
// Each run is counted and timed on /metrics (metrics/schedule.ts).
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../shared/redis.js';
import type { Logger } from '../shared/log.js';
import { scheduleLastSuccess, scheduleRunDuration, scheduleRuns } from '../metrics/schedule.js';

export interface ScheduledTask {
  /** Names the task in logs, metrics and Redis keys: lowercase words joined by dashes. */
  name: string;
  /** Milliseconds between runs; every process ticks at the same clock-aligned instants. */
  every: number;
  /** `slot`: the interval this run stands for (its start is slot × every, in ms since the epoch). */
  run: (ctx: { slot: number }) => Promise<unknown>;
}

export interface SchedulerOptions {
  redis: RedisClient;
  /** REDIS_PREFIX: keys are `<prefix>:{schedule}:<task>:…` (one Cluster slot). */
  prefix: string;
  log: Logger;
  /** Lease of a run's lock; renewed while the run lasts. Default LEASE_MS. */
  leaseMs?: number;
  /** Delay of the first tick, letting the process finish starting. Default FIRST_TICK_MS. */
  firstTickMs?: number;
}

export interface Scheduler {
  /** Stops ticking and waits for the runs in progress. */
  stop(): Promise<void>;
}

export const LEASE_MS = 60_000; // how long a dead process's run blocks the task
export const FIRST_TICK_MS = 10_000;
const TASK_NAME = /^[a-z][a-z0-9-]{0,62}$/;

// KEYS[1] the task's lock, KEYS[2] the slot's key; ARGV: token, lease ms, slot key ttl ms.
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'busy' end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[3]) then return 'taken' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 'run'`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export function lockKey(prefix: string, task: string): string {
  return `${prefix}:{schedule}:${task}:lock`;
}

function slotKey(prefix: string, task: string, slot: number): string {
  return `${prefix}:{schedule}:${task}:slot:${slot}`;
}

/** Ticks first after `firstTickMs` (the current slot runs if no process ran it yet), then at each slot. */
export function startScheduler(tasks: ScheduledTask[], opts: SchedulerOptions): Scheduler {
  const leaseMs = opts.leaseMs ?? LEASE_MS;
  const log = opts.log.child({ component: 'schedule' });
  const names = new Set<string>();
  for (const t of tasks) {
    if (!TASK_NAME.test(t.name) || names.has(t.name))
      throw new Error(`schedule: bad or repeated task name ${JSON.stringify(t.name)}`);
    if (!Number.isSafeInteger(t.every) || t.every < 1)
      throw new Error(`schedule: task ${t.name} needs a positive whole number of ms, got ${t.every}`);
    names.add(t.name);
  }
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const unclaimable = new Set<string>(); // tasks whose last claim failed: logged once until it works again
  let stopped = false;

  const attempt = async (task: ScheduledTask, slot: number): Promise<void> => {
    const token = randomUUID();
    const lock = lockKey(opts.prefix, task.name);
    let claim: unknown;
    try {
      claim = await opts.redis.eval(
        CLAIM,
        2,
        lock,
        slotKey(opts.prefix, task.name, slot),
        token,
        leaseMs,
        2 * task.every + leaseMs,
      );
    } catch (err) {
      scheduleRuns.inc({ task: task.name, outcome: 'failure' });
      if (!unclaimable.has(task.name))
        log.warn(
          { err, task: task.name },
          'could not claim a periodic task (Redis unreachable?); retrying at every tick',
        );
      unclaimable.add(task.name);
      return;
    }
    if (unclaimable.delete(task.name)) log.info({ task: task.name }, 'periodic task claims work again');
    if (claim !== 'run') return; // another process runs this slot, or the previous run still lasts
    if (stopped) {
      // Stopped while claiming: leave the slot to another process.
      await opts.redis.eval(RELEASE, 1, lock, token).catch(() => {});
      await opts.redis.del(slotKey(opts.prefix, task.name, slot)).catch(() => {});
      return;
    }
    const renew = setInterval(
      () => {
        opts.redis.eval(RENEW, 1, lock, token, leaseMs).then(
          (kept) => {
            if (kept !== 1)
              log.warn({ task: task.name }, 'a periodic task outlived its lock; another process may start it');
          },
          (err: unknown) => log.warn({ err, task: task.name }, 'renewing a periodic task lock failed'),
        );
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    renew.unref();
    const end = scheduleRunDuration.startTimer({ task: task.name });
    try {
      await task.run({ slot });
      scheduleRuns.inc({ task: task.name, outcome: 'success' });
      scheduleLastSuccess.set({ task: task.name }, Date.now() / 1000);
    } catch (err) {
      scheduleRuns.inc({ task: task.name, outcome: 'failure' });
      log.error({ err, task: task.name }, 'periodic task failed; will retry at the next tick');
    } finally {
      end();
      clearInterval(renew);
      await opts.redis.eval(RELEASE, 1, lock, token).catch(() => {}); // else the lease expires
    }
  };

  const tick = (task: ScheduledTask) => {
    if (stopped) return;
    const now = Date.now();
    const p = attempt(task, Math.floor(now / task.every));
    running.add(p);
    void p.finally(() => running.delete(p));
    // The next slot boundary (a timer firing a millisecond early ticks again right after).
    const timer = setTimeout(() => tick(task), task.every - (now % task.every));
    timer.unref();
    timers.set(task.name, timer);
  };
  const first = setTimeout(() => {
    for (const t of tasks) tick(t);
  }, opts.firstTickMs ?? FIRST_TICK_MS);
  first.unref();

  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      for (const t of timers.values()) clearTimeout(t);
      await Promise.all([...running]);
    },
  };
}
