// The cron-monitor tick, run by the schedule (schedule.ts) every MONITOR_TICK_SECONDS, one process
// at a time (a lease, db/lease.ts, also keeps a direct call from overlapping): an environment
// whose next check-in is overdue past its margin gets a `missed` check-in and its next expected
// time; an in-progress check-in past the monitor's max runtime becomes `timeout`. Each failure takes the incident step (record-check-in.ts):
// the failure events are queued after commit. The clock is injected so tests can move time.
import { createHash } from 'node:crypto';
import type { Deps } from '../deps.js';
import type { Pool } from '../db/pool.js';
import { withLease } from '../db/lease.js';
import { withTransaction } from '../db/tx.js';
import type { Logger } from '../shared/log.js';
import { eventJobId, type EventJob } from '../shared/queues.js';
import { takeIncidentStep } from './record-check-in.js';
import {
  findMonitorById,
  lockMonitorEnvironmentById,
  lockOverdueEnvironments,
  timeOutCheckIns,
  updateMonitorEnvironment,
  upsertCheckIn,
} from './queries.js';
import { nextExpected } from './schedule.js';

const LEASE_TTL_MS = 60_000; // a tick takes well under a second; a crashed holder delays ticks by at most this
const BATCH = 500; // environments or check-ins per transaction; a tick loops until none is left
const MAX_BATCHES_PER_TICK = 20;

export interface TickResult {
  missed: number;
  timedOut: number;
  events: number;
}

export type SubmitEvents = (jobs: EventJob[]) => Promise<void>;

/** Queues failure events on the process-event queue (job id = project + event id: a resubmission collapses). */
export function queueSubmitter(queue: Deps['queue']): SubmitEvents {
  return async (jobs) => {
    if (jobs.length === 0) return;
    await queue.addBulk(
      jobs.map((data) => ({ name: 'event', data, opts: { jobId: eventJobId(data.projectId, data.eventId) } })),
    );
  };
}

/** One run; null when another process holds the scheduler lease. */
export async function runMonitorTick(
  deps: { pool: Pool; log: Logger; submit: SubmitEvents },
  now: Date,
): Promise<TickResult | null> {
  return withLease(deps.pool, 'monitor-tick', LEASE_TTL_MS, async () => {
    const total: TickResult = { missed: 0, timedOut: 0, events: 0 };
    for (let i = 0; i < MAX_BATCHES_PER_TICK; i++) {
      const r = await tickBatch(deps.pool, now);
      await deps.submit(r.events);
      total.missed += r.missed;
      total.timedOut += r.timedOut;
      total.events += r.events.length;
      if (r.missed < BATCH && r.timedOut < BATCH) break;
    }
    if (total.missed + total.timedOut > 0) deps.log.info(total, 'monitor check-ins missed or timed out');
    return total;
  });
}

async function tickBatch(pool: Pool, now: Date): Promise<{ missed: number; timedOut: number; events: EventJob[] }> {
  return withTransaction(pool, async (tx) => {
    const events: EventJob[] = [];
    const overdue = await lockOverdueEnvironments(tx, now, BATCH);
    for (const env of overdue) {
      const { monitor } = env;
      const expectedAt = env.nextCheckinAt!;
      const missedAt = env.nextCheckinLatest!;
      // Deterministic: a tick retried after a crash marks the same expected time once.
      const checkInId = createHash('md5').update(`missed:${env.id}:${expectedAt.toISOString()}`).digest('hex');
      await upsertCheckIn(tx, {
        checkInId,
        monitorId: monitor.id,
        monitorEnvironmentId: env.id,
        status: 'missed',
        durationMs: null,
        expectedAt,
        timeoutAt: null,
        at: missedAt,
      });
      let next = nextExpected(monitor.schedule, expectedAt);
      const margin = monitor.checkinMarginMinutes * 60_000;
      // A long outage is one missed check-in, not one per tick it slept through.
      if (next.getTime() + margin <= now.getTime()) next = nextExpected(monitor.schedule, now);
      await updateMonitorEnvironment(tx, env.id, {
        status: 'error',
        nextCheckinAt: next,
        nextCheckinLatest: new Date(next.getTime() + margin),
      });
      events.push(
        ...(await takeIncidentStep(tx, { monitor, env, reason: 'missed', checkInId, expectedAt, at: missedAt })),
      );
    }
    const timedOut = await timeOutCheckIns(tx, now, BATCH);
    for (const t of timedOut) {
      const monitor = await findMonitorById(tx, t.monitorId);
      const env = await lockMonitorEnvironmentById(tx, t.monitorEnvironmentId);
      if (!monitor || !env) continue;
      await updateMonitorEnvironment(tx, env.id, { status: 'error' });
      events.push(
        ...(await takeIncidentStep(tx, {
          monitor,
          env,
          reason: 'timeout',
          checkInId: t.checkInId,
          expectedAt: null,
          at: now,
        })),
      );
    }
    return { missed: overdue.length, timedOut: timedOut.length, events };
  });
}
