// Monitors, their per-environment state and their check-ins. One query per function.
import type { Queryable } from '../db/pool.js';
import type { MonitorConfig } from './check-in.js';
import type { Schedule } from './schedule.js';
import type { CheckInStatus } from './state.js';

export interface MonitorRow {
  id: string;
  organizationId: string;
  projectId: string;
  slug: string;
  name: string;
  schedule: Schedule;
  checkinMarginMinutes: number;
  maxRuntimeMinutes: number;
  failureIssueThreshold: number;
  recoveryThreshold: number;
  isMuted: boolean;
  createdAt: Date;
}

const MONITOR_COLUMNS = `m.id, m.organization_id, m.project_id, m.slug, m.name, m.schedule_type, m.schedule, m.schedule_unit, m.timezone,
  m.checkin_margin_minutes, m.max_runtime_minutes, m.failure_issue_threshold, m.recovery_threshold, m.is_muted, m.created_at`;

interface RawMonitor {
  id: string;
  organization_id: string;
  project_id: string;
  slug: string;
  name: string;
  schedule_type: 'crontab' | 'interval';
  schedule: string;
  schedule_unit: string | null;
  timezone: string;
  checkin_margin_minutes: number;
  max_runtime_minutes: number;
  failure_issue_threshold: number;
  recovery_threshold: number;
  is_muted: boolean;
  created_at: Date;
}

function toMonitor(r: RawMonitor): MonitorRow {
  const schedule: Schedule =
    r.schedule_type === 'crontab'
      ? { type: 'crontab', value: r.schedule, timezone: r.timezone }
      : {
          type: 'interval',
          value: Number(r.schedule),
          unit: r.schedule_unit as Extract<Schedule, { type: 'interval' }>['unit'],
          timezone: r.timezone,
        };
  return {
    id: r.id,
    organizationId: r.organization_id,
    projectId: r.project_id,
    slug: r.slug,
    name: r.name,
    schedule,
    checkinMarginMinutes: r.checkin_margin_minutes,
    maxRuntimeMinutes: r.max_runtime_minutes,
    failureIssueThreshold: r.failure_issue_threshold,
    recoveryThreshold: r.recovery_threshold,
    isMuted: r.is_muted,
    createdAt: r.created_at,
  };
}

function configParams(c: MonitorConfig): unknown[] {
  const s = c.schedule;
  return [
    s.type,
    String(s.value),
    s.type === 'interval' ? s.unit : null,
    s.timezone,
    c.checkinMarginMinutes,
    c.maxRuntimeMinutes,
    c.failureIssueThreshold,
    c.recoveryThreshold,
  ];
}

/** The organization's monitor with this slug (whatever its project), locked for the check-in's transaction. */
export async function findMonitorForUpdate(
  db: Queryable,
  organizationId: string,
  slug: string,
): Promise<MonitorRow | null> {
  const { rows } = await db.query<RawMonitor>(
    `SELECT ${MONITOR_COLUMNS} FROM monitors m WHERE m.organization_id = $1 AND m.slug = $2 FOR UPDATE`,
    [organizationId, slug],
  );
  return rows[0] ? toMonitor(rows[0]) : null;
}

export async function findMonitor(db: Queryable, organizationId: string, slug: string): Promise<MonitorRow | null> {
  const { rows } = await db.query<RawMonitor>(
    `SELECT ${MONITOR_COLUMNS} FROM monitors m WHERE m.organization_id = $1 AND m.slug = $2`,
    [organizationId, slug],
  );
  return rows[0] ? toMonitor(rows[0]) : null;
}

/** Creates the monitor or replaces its config (monitor_config upsert; an existing monitor keeps its project). */
export async function upsertMonitor(
  db: Queryable,
  args: { organizationId: string; projectId: string; slug: string; name: string; config: MonitorConfig },
): Promise<MonitorRow> {
  const { rows } = await db.query<RawMonitor>(
    `INSERT INTO monitors AS m (organization_id, project_id, slug, name, schedule_type, schedule, schedule_unit, timezone,
       checkin_margin_minutes, max_runtime_minutes, failure_issue_threshold, recovery_threshold)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (organization_id, slug) DO UPDATE SET
       schedule_type = EXCLUDED.schedule_type, schedule = EXCLUDED.schedule, schedule_unit = EXCLUDED.schedule_unit,
       timezone = EXCLUDED.timezone, checkin_margin_minutes = EXCLUDED.checkin_margin_minutes,
       max_runtime_minutes = EXCLUDED.max_runtime_minutes, failure_issue_threshold = EXCLUDED.failure_issue_threshold,
       recovery_threshold = EXCLUDED.recovery_threshold, updated_at = now()
     RETURNING ${MONITOR_COLUMNS}`,
    [args.organizationId, args.projectId, args.slug, args.name, ...configParams(args.config)],
  );
  return toMonitor(rows[0]!);
}

export async function updateMonitor(
  db: Queryable,
  id: string,
  args: { name: string; isMuted: boolean; config: MonitorConfig },
): Promise<MonitorRow> {
  const { rows } = await db.query<RawMonitor>(
    `UPDATE monitors m SET name = $2, is_muted = $3, schedule_type = $4, schedule = $5, schedule_unit = $6, timezone = $7,
       checkin_margin_minutes = $8, max_runtime_minutes = $9, failure_issue_threshold = $10, recovery_threshold = $11, updated_at = now()
     WHERE id = $1 RETURNING ${MONITOR_COLUMNS}`,
    [id, args.name, args.isMuted, ...configParams(args.config)],
  );
  return toMonitor(rows[0]!);
}

export async function deleteMonitor(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM monitors WHERE id = $1', [id]);
}

export const MAX_MONITORS_LISTED = 500;

/** The organization's monitors (optionally of some projects), by slug; bounded. */
export async function listMonitors(
  db: Queryable,
  organizationId: string,
  projectIds: string[] | null,
): Promise<Array<MonitorRow & { projectSlug: string }>> {
  const { rows } = await db.query<RawMonitor & { project_slug: string }>(
    `SELECT ${MONITOR_COLUMNS}, p.slug AS project_slug FROM monitors m JOIN projects p ON p.id = m.project_id
     WHERE m.organization_id = $1 AND ($2::bigint[] IS NULL OR m.project_id = ANY($2::bigint[]))
     ORDER BY m.slug LIMIT ${MAX_MONITORS_LISTED}`,
    [organizationId, projectIds],
  );
  return rows.map((r) => ({ ...toMonitor(r), projectSlug: r.project_slug }));
}

export interface MonitorEnvironmentRow {
  id: string;
  monitorId: string;
  environment: string;
  status: 'active' | 'ok' | 'error';
  lastCheckinAt: Date | null;
  nextCheckinAt: Date | null;
  nextCheckinLatest: Date | null;
  isFailing: boolean;
  lastFailureEventId: string | null;
}

const ENV_COLUMNS = `e.id, e.monitor_id AS "monitorId", e.environment, e.status, e.last_checkin_at AS "lastCheckinAt",
  e.next_checkin_at AS "nextCheckinAt", e.next_checkin_latest AS "nextCheckinLatest", e.is_failing AS "isFailing",
  replace(e.last_failure_event_id::text, '-', '') AS "lastFailureEventId"`;

/** The environment's state row, created (not yet due) when missing; locked. */
export async function lockMonitorEnvironment(
  db: Queryable,
  monitorId: string,
  environment: string,
): Promise<MonitorEnvironmentRow> {
  await db.query(
    `INSERT INTO monitor_environments (monitor_id, environment) VALUES ($1, $2) ON CONFLICT (monitor_id, environment) DO NOTHING`,
    [monitorId, environment],
  );
  const { rows } = await db.query<MonitorEnvironmentRow>(
    `SELECT ${ENV_COLUMNS} FROM monitor_environments e WHERE e.monitor_id = $1 AND e.environment = $2 FOR UPDATE`,
    [monitorId, environment],
  );
  return rows[0]!;
}

export async function updateMonitorEnvironment(
  db: Queryable,
  id: string,
  args: {
    status?: 'ok' | 'error';
    lastCheckinAt?: Date;
    nextCheckinAt?: Date;
    nextCheckinLatest?: Date;
    isFailing?: boolean;
    lastFailureEventId?: string | null;
  },
): Promise<void> {
  await db.query(
    `UPDATE monitor_environments SET
       status = coalesce($2, status),
       last_checkin_at = coalesce($3, last_checkin_at),
       next_checkin_at = coalesce($4, next_checkin_at),
       next_checkin_latest = coalesce($5, next_checkin_latest),
       is_failing = coalesce($6, is_failing),
       last_failure_event_id = CASE WHEN $7::boolean THEN $8::uuid ELSE last_failure_event_id END
     WHERE id = $1`,
    [
      id,
      args.status ?? null,
      args.lastCheckinAt ?? null,
      args.nextCheckinAt ?? null,
      args.nextCheckinLatest ?? null,
      args.isFailing ?? null,
      args.lastFailureEventId !== undefined,
      args.lastFailureEventId ?? null,
    ],
  );
}

export async function listMonitorEnvironments(db: Queryable, monitorIds: string[]): Promise<MonitorEnvironmentRow[]> {
  if (monitorIds.length === 0) return [];
  const { rows } = await db.query<MonitorEnvironmentRow>(
    `SELECT ${ENV_COLUMNS} FROM monitor_environments e WHERE e.monitor_id = ANY($1::bigint[]) ORDER BY e.environment`,
    [monitorIds],
  );
  return rows;
}

/** Environments whose next check-in is overdue (past the margin), oldest first; locked, skipping ones a check-in holds. */
export async function lockOverdueEnvironments(
  db: Queryable,
  now: Date,
  limit: number,
): Promise<Array<MonitorEnvironmentRow & { monitor: MonitorRow }>> {
  // Both column lists have an `id` (the later, the monitor's, would win): the environment's comes as envId.
  const { rows } = await db.query<MonitorEnvironmentRow & RawMonitor & { envId: string }>(
    `SELECT ${ENV_COLUMNS}, ${MONITOR_COLUMNS}, e.id AS "envId" FROM monitor_environments e JOIN monitors m ON m.id = e.monitor_id
     WHERE e.next_checkin_latest <= $1 ORDER BY e.next_checkin_latest LIMIT $2 FOR UPDATE OF e SKIP LOCKED`,
    [now, limit],
  );
  return rows.map((r) => ({
    id: r.envId,
    monitorId: r.monitorId,
    environment: r.environment,
    status: r.status,
    lastCheckinAt: r.lastCheckinAt,
    nextCheckinAt: r.nextCheckinAt,
    nextCheckinLatest: r.nextCheckinLatest,
    isFailing: r.isFailing,
    lastFailureEventId: r.lastFailureEventId,
    monitor: toMonitor({ ...r, id: r.monitorId }),
  }));
}

export interface CheckInRow {
  id: string;
  checkInId: string;
  monitorId: string;
  monitorEnvironmentId: string;
  environment: string;
  status: CheckInStatus;
  durationMs: number | null;
  expectedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const CHECKIN_COLUMNS = `c.id, replace(c.check_in_id::text, '-', '') AS "checkInId", c.monitor_id AS "monitorId", c.monitor_environment_id AS "monitorEnvironmentId",
  e.environment, c.status, c.duration_ms::float8 AS "durationMs", c.expected_at AS "expectedAt", c.created_at AS "createdAt", c.updated_at AS "updatedAt"`;

/** Records a check-in; the same check_in_id again updates it (in_progress → ok/error). Returns null when it was already final. */
export async function upsertCheckIn(
  db: Queryable,
  args: {
    checkInId: string;
    monitorId: string;
    monitorEnvironmentId: string;
    status: CheckInStatus;
    durationMs: number | null;
    expectedAt: Date | null;
    timeoutAt: Date | null;
    at: Date;
  },
): Promise<{ created: boolean } | null> {
  const { rows } = await db.query<{ created: boolean }>(
    `INSERT INTO monitor_checkins AS c (check_in_id, monitor_id, monitor_environment_id, status, duration_ms, expected_at, timeout_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
     ON CONFLICT (monitor_id, check_in_id) DO UPDATE SET
       status = EXCLUDED.status,
       duration_ms = coalesce(EXCLUDED.duration_ms, (extract(epoch FROM EXCLUDED.updated_at - c.created_at) * 1000)::bigint),
       timeout_at = NULL, updated_at = EXCLUDED.updated_at
     WHERE c.status = 'in_progress' AND c.monitor_environment_id = EXCLUDED.monitor_environment_id
     RETURNING (xmax = 0) AS created`,
    [
      args.checkInId,
      args.monitorId,
      args.monitorEnvironmentId,
      args.status,
      args.durationMs,
      args.expectedAt,
      args.timeoutAt,
      args.at,
    ],
  );
  return rows[0] ?? null;
}

/** Newest finished check-ins of an environment but one (statuses only), for the open/resolve decision. */
export async function listRecentStatuses(
  db: Queryable,
  monitorEnvironmentId: string,
  exceptCheckInId: string,
  limit: number,
): Promise<CheckInStatus[]> {
  const { rows } = await db.query<{ status: CheckInStatus }>(
    `SELECT status FROM monitor_checkins WHERE monitor_environment_id = $1 AND status <> 'in_progress' AND check_in_id <> $2::uuid
     ORDER BY updated_at DESC, id DESC LIMIT $3`,
    [monitorEnvironmentId, exceptCheckInId, limit],
  );
  return rows.map((r) => r.status);
}

/** In-progress check-ins past their max runtime become `timeout`; returns them. */
export async function timeOutCheckIns(
  db: Queryable,
  now: Date,
  limit: number,
): Promise<Array<{ monitorId: string; monitorEnvironmentId: string; checkInId: string }>> {
  const { rows } = await db.query<{ monitorId: string; monitorEnvironmentId: string; checkInId: string }>(
    `UPDATE monitor_checkins SET status = 'timeout', updated_at = timeout_at, timeout_at = NULL
     WHERE id IN (SELECT id FROM monitor_checkins WHERE status = 'in_progress' AND timeout_at <= $1 ORDER BY timeout_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING monitor_id AS "monitorId", monitor_environment_id AS "monitorEnvironmentId", replace(check_in_id::text, '-', '') AS "checkInId"`,
    [now, limit],
  );
  return rows;
}

export async function findMonitorById(db: Queryable, id: string): Promise<MonitorRow | null> {
  const { rows } = await db.query<RawMonitor>(`SELECT ${MONITOR_COLUMNS} FROM monitors m WHERE m.id = $1`, [id]);
  return rows[0] ? toMonitor(rows[0]) : null;
}

export async function lockMonitorEnvironmentById(db: Queryable, id: string): Promise<MonitorEnvironmentRow | null> {
  const { rows } = await db.query<MonitorEnvironmentRow>(
    `SELECT ${ENV_COLUMNS} FROM monitor_environments e WHERE e.id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0] ?? null;
}

export const MAX_CHECKINS_LISTED = 500;

/** A monitor's check-ins, newest first, optionally of one environment; keyset by (created_at, id). */
export async function listCheckIns(
  db: Queryable,
  args: {
    monitorId: string;
    environment: string | null;
    limit: number;
    before: { createdAt: string; id: string } | null;
  },
): Promise<CheckInRow[]> {
  const { rows } = await db.query<CheckInRow>(
    `SELECT ${CHECKIN_COLUMNS} FROM monitor_checkins c JOIN monitor_environments e ON e.id = c.monitor_environment_id
     WHERE c.monitor_id = $1 AND ($2::text IS NULL OR e.environment = $2)
       AND ($3::timestamptz IS NULL OR (c.created_at, c.id) < ($3::timestamptz, $4::bigint))
     ORDER BY c.created_at DESC, c.id DESC LIMIT $5`,
    [
      args.monitorId,
      args.environment,
      args.before?.createdAt ?? null,
      args.before?.id ?? null,
      Math.min(args.limit, MAX_CHECKINS_LISTED),
    ],
  );
  return rows;
}

/** The issue a monitor environment's failure event was grouped into (null until the worker stored it). */
export async function findIssueOfEvent(db: Queryable, projectId: string, eventId: string): Promise<string | null> {
  const { rows } = await db.query<{ issueId: string }>(
    'SELECT issue_id AS "issueId" FROM events WHERE project_id = $1 AND event_id = $2 LIMIT 1',
    [projectId, eventId],
  );
  return rows[0]?.issueId ?? null;
}

/** Resolves an issue because its monitor recovered (an activity row says why). */
export async function resolveMonitorIssue(
  db: Queryable,
  issueId: string,
  data: Record<string, unknown>,
): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>(
    `WITH updated AS (
       UPDATE issues SET status = 'resolved', substatus = NULL, resolved_at = now(), ignore_until = NULL, ignore_count = NULL, ignore_user_count = NULL
       WHERE id = $1 AND status <> 'resolved' RETURNING id
     )
     INSERT INTO issue_activities (issue_id, user_id, kind, data) SELECT id, NULL, 'set_resolved', $2::jsonb FROM updated RETURNING issue_id AS id`,
    [issueId, JSON.stringify(data)],
  );
  return rows.length > 0;
}
