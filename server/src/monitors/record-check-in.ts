// A check-in from an SDK or sentry-cli (a `check_in` aux job), recorded in one short
// transaction: the monitor is created or its config replaced (monitor_config), the check-in
// stored or completed, the environment's next expected time advanced, and the incident step
// taken (open/update → a failure event to submit after commit; resolve → the issue resolved).
import type { Pool, PoolClient } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import type { CheckInDropReason } from '../queue/job-outcome.js';
import type { EventJob } from '../shared/queues.js';
import { parseCheckIn } from './check-in.js';
import { failureEventJob, type FailureReason } from './incident.js';
import {
  findIssueOfEvent,
  findMonitorForUpdate,
  listRecentStatuses,
  lockMonitorEnvironment,
  resolveMonitorIssue,
  updateMonitorEnvironment,
  upsertCheckIn,
  upsertMonitor,
  type MonitorEnvironmentRow,
  type MonitorRow,
} from './queries.js';
import { nextExpected } from './schedule.js';
import { incidentStep, type CheckInStatus } from './state.js';

export type RecordResult =
  | { kind: 'recorded'; events: EventJob[] }
  | { kind: 'dropped'; reason: CheckInDropReason; message: string }
  /** Not yet: what it depends on (its monitor, the failure event it resolves) may still be on its way (retry with backoff). */
  | { kind: 'early'; message: string };

/**
 * `sentry-cli monitors run` sends monitor_config only with in_progress; its ok/error can reach a
 * worker first. For this long after receipt a check-in of an unknown monitor is retried, not dropped.
 */
export const UNKNOWN_MONITOR_GRACE_MS = 10_000; // the race is one of milliseconds; retries back off 0.5, 1, 2, 4, 8 s

/**
 * A recovery resolves the issue of the environment's last failure event, which the scheduler or a
 * failed check-in queued moments before; an ok that overtakes it in the queue would find no issue
 * and the failure would open one afterwards that nothing resolves. For this long after receipt
 * such an ok is retried until that event is stored (a failure event never stored, e.g. filtered,
 * stops holding it back after that).
 */
export const FAILURE_EVENT_GRACE_MS = 10_000;

export async function recordCheckIn(
  pool: Pool,
  job: { projectId: string; receivedAt: number; payload: string },
  now = Date.now(),
): Promise<RecordResult> {
  let raw: unknown;
  try {
    raw = JSON.parse(job.payload);
  } catch {
    return { kind: 'dropped', reason: 'invalid-check-in', message: 'check_in payload is not JSON' };
  }
  const checkIn = parseCheckIn(raw);
  if ('problem' in checkIn) return { kind: 'dropped', reason: 'invalid-check-in', message: checkIn.problem };
  const at = new Date(job.receivedAt);
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ organizationId: string }>(
      'SELECT organization_id AS "organizationId" FROM projects WHERE id = $1',
      [job.projectId],
    );
    if (!rows[0]) return { kind: 'dropped', reason: 'unknown-monitor', message: 'the project no longer exists' };
    let monitor = await findMonitorForUpdate(tx, rows[0].organizationId, checkIn.slug);
    if (monitor && monitor.projectId !== job.projectId) {
      return {
        kind: 'dropped',
        reason: 'monitor-other-project',
        message: `monitor "${checkIn.slug}" belongs to another project`,
      };
    }
    if (checkIn.config) {
      monitor = await upsertMonitor(tx, {
        organizationId: rows[0].organizationId,
        projectId: job.projectId,
        slug: checkIn.slug,
        name: monitor?.name ?? checkIn.slug,
        config: checkIn.config,
      });
    }
    if (!monitor) {
      const message = `no monitor "${checkIn.slug}" and the check-in has no monitor_config`;
      return now - job.receivedAt < UNKNOWN_MONITOR_GRACE_MS
        ? { kind: 'early', message }
        : { kind: 'dropped', reason: 'unknown-monitor', message };
    }
    const env = await lockMonitorEnvironment(tx, monitor.id, checkIn.environment);
    if (
      checkIn.status === 'ok' &&
      env.isFailing &&
      env.lastFailureEventId &&
      now - job.receivedAt < FAILURE_EVENT_GRACE_MS &&
      !(await findIssueOfEvent(tx, monitor.projectId, env.lastFailureEventId))
    )
      return {
        kind: 'early',
        message: `the failure event ${env.lastFailureEventId} this ok may resolve is not stored yet`,
      };
    const stored = await upsertCheckIn(tx, {
      checkInId: checkIn.checkInId,
      monitorId: monitor.id,
      monitorEnvironmentId: env.id,
      status: checkIn.status,
      durationMs: checkIn.durationMs,
      expectedAt: env.nextCheckinAt,
      timeoutAt: checkIn.status === 'in_progress' ? new Date(at.getTime() + monitor.maxRuntimeMinutes * 60_000) : null,
      at,
    });
    if (stored) {
      const next = nextExpected(monitor.schedule, at);
      await updateMonitorEnvironment(tx, env.id, {
        ...(checkIn.status === 'in_progress' ? {} : { status: checkIn.status }),
        lastCheckinAt: at,
        nextCheckinAt: next,
        nextCheckinLatest: new Date(next.getTime() + monitor.checkinMarginMinutes * 60_000),
      });
    }
    if (checkIn.status === 'in_progress') return { kind: 'recorded', events: [] };
    if (!stored) {
      // A re-delivery repeats its step (same event id, resolve once); a late ok after a timeout changes nothing.
      const { rows: same } = await tx.query(
        'SELECT 1 FROM monitor_checkins WHERE monitor_id = $1 AND check_in_id = $2 AND status = $3',
        [monitor.id, checkIn.checkInId, checkIn.status],
      );
      if (same.length === 0) return { kind: 'recorded', events: [] };
    }
    return {
      kind: 'recorded',
      events: await takeIncidentStep(tx, {
        monitor,
        env,
        reason: 'error',
        status: checkIn.status,
        checkInId: checkIn.checkInId,
        expectedAt: env.nextCheckinAt,
        at,
      }),
    };
  });
}

/** After a finished check-in of `env` was recorded: opens/updates (a failure event) or resolves its issue. */
export async function takeIncidentStep(
  tx: PoolClient,
  args: {
    monitor: MonitorRow;
    env: MonitorEnvironmentRow;
    reason: FailureReason;
    status?: 'ok' | 'error';
    checkInId: string;
    expectedAt: Date | null;
    at: Date;
  },
): Promise<EventJob[]> {
  const { monitor, env } = args;
  // The check-in just recorded is the newest, whatever the times of the scheduler's ones.
  const status: CheckInStatus = args.reason === 'error' ? (args.status ?? 'error') : args.reason;
  const recent = [
    status,
    ...(await listRecentStatuses(
      tx,
      env.id,
      args.checkInId,
      Math.max(monitor.failureIssueThreshold, monitor.recoveryThreshold) - 1,
    )),
  ];
  const step = incidentStep({
    recent,
    isFailing: env.isFailing,
    failureThreshold: monitor.failureIssueThreshold,
    recoveryThreshold: monitor.recoveryThreshold,
  });
  if (step === 'resolve') {
    const issueId = env.lastFailureEventId
      ? await findIssueOfEvent(tx, monitor.projectId, env.lastFailureEventId)
      : null;
    if (issueId)
      await resolveMonitorIssue(tx, issueId, {
        reason: 'monitor-recovered',
        monitor: monitor.slug,
        environment: env.environment,
      });
    await updateMonitorEnvironment(tx, env.id, { isFailing: false });
    return [];
  }
  if ((step !== 'open' && step !== 'update') || monitor.isMuted) return [];
  const job = failureEventJob({
    monitor,
    environment: env.environment,
    reason: args.reason,
    checkInId: args.checkInId,
    expectedAt: args.expectedAt,
    at: args.at,
  });
  await updateMonitorEnvironment(tx, env.id, { isFailing: true, lastFailureEventId: job.eventId });
  return [job];
}
