// On-call queries: the project's schedule, its overrides, and the users they name.
import type { Queryable } from '../db/pool.js';
import type { Override, Schedule } from './rotation.js';

export interface ScheduleRow extends Schedule {
  projectId: string;
  dateUpdated: string;
}

export async function findSchedule(db: Queryable, projectId: string): Promise<ScheduleRow | null> {
  const { rows } = await db.query<{
    project_id: string;
    member_ids: string[];
    rotation_length: number;
    rotation_unit: 'days' | 'weeks';
    handoff_time: string;
    time_zone: string;
    start_date: string;
    updated_at: Date;
  }>(
    `SELECT project_id, member_ids::text[] AS member_ids, rotation_length, rotation_unit, handoff_time, time_zone,
            to_char(start_date, 'YYYY-MM-DD') AS start_date, updated_at
       FROM oncall_schedules WHERE project_id = $1`,
    [projectId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    projectId: r.project_id,
    memberIds: r.member_ids,
    rotationLength: r.rotation_length,
    rotationUnit: r.rotation_unit,
    handoffTime: r.handoff_time,
    timeZone: r.time_zone,
    startDate: r.start_date,
    dateUpdated: r.updated_at.toISOString(),
  };
}

export async function upsertSchedule(db: Queryable, projectId: string, s: Schedule): Promise<void> {
  await db.query(
    `INSERT INTO oncall_schedules (project_id, member_ids, rotation_length, rotation_unit, handoff_time, time_zone, start_date)
     VALUES ($1, $2::bigint[], $3, $4, $5, $6, $7::date)
     ON CONFLICT (project_id) DO UPDATE SET member_ids = EXCLUDED.member_ids, rotation_length = EXCLUDED.rotation_length,
       rotation_unit = EXCLUDED.rotation_unit, handoff_time = EXCLUDED.handoff_time, time_zone = EXCLUDED.time_zone,
       start_date = EXCLUDED.start_date, updated_at = now()`,
    [projectId, s.memberIds, s.rotationLength, s.rotationUnit, s.handoffTime, s.timeZone, s.startDate],
  );
}

export async function deleteSchedule(db: Queryable, projectId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM oncall_schedules WHERE project_id = $1', [projectId]);
  return (rowCount ?? 0) > 0;
}

/** Overrides that have not ended by `endingAfter`, in precedence order (later created wins). */
export async function listOverrides(db: Queryable, projectId: string, endingAfter: Date): Promise<Override[]> {
  const { rows } = await db.query<{ id: string; user_id: string; starts_at: Date; ends_at: Date }>(
    `SELECT id, user_id, starts_at, ends_at FROM oncall_overrides
      WHERE project_id = $1 AND ends_at > $2 ORDER BY created_at, id`,
    [projectId, endingAfter],
  );
  return rows.map((r) => ({ id: r.id, userId: r.user_id, start: r.starts_at.getTime(), end: r.ends_at.getTime() }));
}

export async function insertOverride(db: Queryable, projectId: string, o: Omit<Override, 'id'>): Promise<Override> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO oncall_overrides (project_id, user_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id',
    [projectId, o.userId, new Date(o.start), new Date(o.end)],
  );
  return { id: rows[0]!.id, ...o };
}

export async function deleteOverride(db: Queryable, projectId: string, overrideId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM oncall_overrides WHERE project_id = $1 AND id = $2', [
    projectId,
    overrideId,
  ]);
  return (rowCount ?? 0) > 0;
}

export interface OncallUser {
  id: string;
  email: string;
  name: string;
}

export async function findUsers(db: Queryable, userIds: string[]): Promise<Map<string, OncallUser>> {
  if (userIds.length === 0) return new Map();
  const { rows } = await db.query<OncallUser>(
    'SELECT id::text AS id, email, name FROM users WHERE id = ANY($1::bigint[]) AND is_active',
    [userIds],
  );
  return new Map(rows.map((u) => [u.id, u]));
}

/** Maps member references (user id or email, lowercased) of the project's organization to user ids. */
export async function resolveMembers(db: Queryable, projectId: string, refs: string[]): Promise<Map<string, string>> {
  const ids = refs.filter((r) => /^\d{1,18}$/.test(r));
  const emails = refs.filter((r) => r.includes('@')).map((r) => r.toLowerCase());
  const { rows } = await db.query<{ id: string; email: string }>(
    `SELECT u.id::text AS id, lower(u.email) AS email
       FROM memberships m JOIN projects p ON p.organization_id = m.organization_id JOIN users u ON u.id = m.user_id
      WHERE p.id = $1 AND u.is_active AND (u.id = ANY($2::bigint[]) OR lower(u.email) = ANY($3::text[]))`,
    [projectId, ids, emails],
  );
  const out = new Map<string, string>();
  for (const r of rows) {
    out.set(r.id, r.id);
    out.set(r.email, r.id);
  }
  return out;
}
