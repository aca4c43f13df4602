// A check-in from an SDK or sentry-cli (a `check_in` aux job), recorded in one short
// transaction: the monitor is created or its config replaced (monitor_config), the check-in
// stored or completed, the environment's next expected time advanced, and the incident step
// taken (open/update → a failure event to submit after commit; resolve → the issue resolved).
import type { Pool, PoolClient } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import type { EventJob } from '../queue/queues.js';
import { parseCheckIn } from './check-in.js';
import { failureEventJob, type FailureReason } from './incident.js';
import {
  findIssueOfEvent, findMonitorForUpdate, listRecentStatuses, lockMonitorEnvironment, resolveMonitorIssue, updateMonitorEnvironment, upsertCheckIn, upsertMonitor,
  type MonitorEnvironmentRow, type MonitorRow,
} from './queries.js';
import { nextExpected } from './schedule.js';
import { incidentStep, type CheckInStatus } from './state.js';

export type CheckInDropReason = 'invalid-check-in' | 'unknown-monitor' | 'monitor-other-project';

export type RecordResult =
  | { kind: 'recorded'; events: EventJob[] }
  | { kind: 'dropped'; reason: CheckInDropReason; message: string };

export async function recordCheckIn(pool: Pool, job: { projectId: string; receivedAt: number; payload: string }): Promise<RecordResult> {
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
    const { rows } = await tx.query<{ organizationId: string }>('SELECT organization_id AS "organizationId" FROM projects WHERE id = $1', [job.projectId]);
    if (!rows[0]) return { kind: 'dropped', reason: 'unknown-monitor', message: 'the project no longer exists' };
    let monitor = await findMonitorForUpdate(tx, rows[0].organizationId, checkIn.slug);
    if (monitor && monitor.projectId !== job.projectId) {
      return { kind: 'dropped', reason: 'monitor-other-project', message: `monitor "${checkIn.slug}" belongs to another project` };
    }
    if (checkIn.config) {
      monitor = await upsertMonitor(tx, { organizationId: rows[0].organizationId, projectId: job.projectId, slug: checkIn.slug, name: monitor?.name ?? checkIn.slug, config: checkIn.config });
    }
    if (!monitor) return { kind: 'dropped', reason: 'unknown-monitor', message: `no monitor "${checkIn.slug}" and the check-in has no monitor_config` };
    const env = await lockMonitorEnvironment(tx, monitor.id, checkIn.environment);
    const stored = await upsertCheckIn(tx, {
      checkInId: checkIn.checkInId, monitorId: monitor.id, monitorEnvironmentId: env.id, status: checkIn.status, durationMs: checkIn.durationMs,
      expectedAt: env.nextCheckinAt, timeoutAt: checkIn.status === 'in_progress' ? new Date(at.getTime() + monitor.maxRuntimeMinutes * 60_000) : null, at,
    });
    if (stored) {
      const next = nextExpected(monitor.schedule, at);
      await updateMonitorEnvironment(tx, env.id, {
        ...(checkIn.status === 'in_progress' ? {} : { status: checkIn.status }),
        lastCheckinAt: at, nextCheckinAt: next, nextCheckinLatest: new Date(next.getTime() + monitor.checkinMarginMinutes * 60_000),
      });
    }
    if (checkIn.status === 'in_progress') return { kind: 'recorded', events: [] };
    // Also on a re-delivery (stored = null): the step is idempotent (same event id, resolve once).
    return { kind: 'recorded', events: await takeIncidentStep(tx, { monitor, env, reason: 'error', checkInId: checkIn.checkInId, expectedAt: env.nextCheckinAt, at }) };
  });
}

/** After a finished check-in of `env` was recorded: opens/updates (a failure event) or resolves its issue. */
export async function takeIncidentStep(
  tx: PoolClient,
  args: { monitor: MonitorRow; env: MonitorEnvironmentRow; reason: FailureReason; checkInId: string; expectedAt: Date | null; at: Date },
): Promise<EventJob[]> {
  const { monitor, env } = args;
  const recent: CheckInStatus[] = await listRecentStatuses(tx, env.id, Math.max(monitor.failureIssueThreshold, monitor.recoveryThreshold));
  const step = incidentStep({ recent, isFailing: env.isFailing, failureThreshold: monitor.failureIssueThreshold, recoveryThreshold: monitor.recoveryThreshold });
  if (step === 'resolve') {
    const issueId = env.lastFailureEventId ? await findIssueOfEvent(tx, monitor.projectId, env.lastFailureEventId) : null;
    if (issueId) await resolveMonitorIssue(tx, issueId, { reason: 'monitor-recovered', monitor: monitor.slug, environment: env.environment });
    await updateMonitorEnvironment(tx, env.id, { isFailing: false });
    return [];
  }
  if ((step !== 'open' && step !== 'update') || monitor.isMuted) return [];
  const job = failureEventJob({ monitor, environment: env.environment, reason: args.reason, checkInId: args.checkInId, expectedAt: args.expectedAt, at: args.at });
  await updateMonitorEnvironment(tx, env.id, { isFailing: true, lastFailureEventId: job.eventId });
  return [job];
}
