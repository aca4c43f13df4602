// Feature-flag queries: evaluation counters (written by the pipeline's count stage), the
// per-issue and per-project reads behind the flags table and suspect flags, and the
// aggregates around a flag change (the verdict). Audit log and secrets: log-queries.ts.
import type { Queryable } from '../db/pool.js';

export interface FlagCountRows {
  issueValues: Array<{
    issueId: string;
    flag: string;
    result: string;
    count: number;
    firstSeen: string;
    lastSeen: string;
  }>;
  projectHours: Array<{ projectId: string; flag: string; result: string; hour: string; eventCount: number }>;
  projectMinutes: Array<{
    projectId: string;
    flag: string;
    result: string;
    minute: string;
    eventCount: number;
    newIssueCount: number;
  }>;
  eventMinutes: Array<{ projectId: string; minute: string; eventCount: number; newIssueCount: number }>;
}

/** The count stage's flag counters: one statement per table, rows pre-sorted (lock order). */
export async function upsertFlagCounts(db: Queryable, r: FlagCountRows): Promise<void> {
  if (r.issueValues.length > 0) {
    const v = r.issueValues;
    await db.query(
      `INSERT INTO issue_flag_values (issue_id, flag, result, count, first_seen, last_seen)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::timestamptz[])
       ON CONFLICT (issue_id, flag, result) DO UPDATE SET
         count = issue_flag_values.count + excluded.count,
         first_seen = least(issue_flag_values.first_seen, excluded.first_seen),
         last_seen = greatest(issue_flag_values.last_seen, excluded.last_seen)`,
      [
        v.map((x) => x.issueId),
        v.map((x) => x.flag),
        v.map((x) => x.result),
        v.map((x) => x.count),
        v.map((x) => x.firstSeen),
        v.map((x) => x.lastSeen),
      ],
    );
  }
  if (r.projectHours.length > 0) {
    const v = r.projectHours;
    await db.query(
      `INSERT INTO project_flag_hours (project_id, flag, result, hour, event_count)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[])
       ON CONFLICT (project_id, flag, result, hour) DO UPDATE SET event_count = project_flag_hours.event_count + excluded.event_count`,
      [
        v.map((x) => x.projectId),
        v.map((x) => x.flag),
        v.map((x) => x.result),
        v.map((x) => x.hour),
        v.map((x) => x.eventCount),
      ],
    );
  }
  if (r.projectMinutes.length > 0) {
    const v = r.projectMinutes;
    await db.query(
      `INSERT INTO project_flag_minutes (project_id, flag, result, minute, event_count, new_issue_count)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::int[])
       ON CONFLICT (project_id, flag, result, minute) DO UPDATE SET
         event_count = project_flag_minutes.event_count + excluded.event_count,
         new_issue_count = project_flag_minutes.new_issue_count + excluded.new_issue_count`,
      [
        v.map((x) => x.projectId),
        v.map((x) => x.flag),
        v.map((x) => x.result),
        v.map((x) => x.minute),
        v.map((x) => x.eventCount),
        v.map((x) => x.newIssueCount),
      ],
    );
  }
  if (r.eventMinutes.length > 0) {
    const v = r.eventMinutes;
    await db.query(
      `INSERT INTO project_event_minutes (project_id, minute, event_count, new_issue_count)
       SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::int[], $4::int[])
       ON CONFLICT (project_id, minute) DO UPDATE SET
         event_count = project_event_minutes.event_count + excluded.event_count,
         new_issue_count = project_event_minutes.new_issue_count + excluded.new_issue_count`,
      [v.map((x) => x.projectId), v.map((x) => x.minute), v.map((x) => x.eventCount), v.map((x) => x.newIssueCount)],
    );
  }
}

export interface FlagResultCount {
  flag: string;
  result: string;
  count: number;
}

/** The issue's flag → result → count, for its most evaluated flags (at most `maxFlags`). */
export async function listIssueFlagValues(
  db: Queryable,
  issueId: string,
  maxFlags: number,
): Promise<FlagResultCount[]> {
  const { rows } = await db.query<FlagResultCount>(
    `WITH top AS (
       SELECT flag FROM issue_flag_values WHERE issue_id = $1
        GROUP BY flag ORDER BY sum(count) DESC, flag LIMIT $2)
     SELECT v.flag, v.result, v.count::float8 AS count
       FROM issue_flag_values v JOIN top USING (flag)
      WHERE v.issue_id = $1
      ORDER BY v.flag, v.count DESC, v.result`,
    [issueId, maxFlags],
  );
  return rows;
}

/** The project's events per flag result in [from, to) (hourly buckets; `from` rounded down). */
export async function listProjectFlagValues(
  db: Queryable,
  a: { projectId: string; flags: string[]; from: Date; to: Date },
): Promise<FlagResultCount[]> {
  if (a.flags.length === 0) return [];
  const { rows } = await db.query<FlagResultCount>(
    `SELECT flag, result, sum(event_count)::float8 AS count
       FROM project_flag_hours
      WHERE project_id = $1 AND flag = ANY($2::text[]) AND hour >= date_trunc('hour', $3::timestamptz) AND hour < $4
      GROUP BY flag, result`,
    [a.projectId, a.flags, a.from, a.to],
  );
  return rows;
}

export interface ChangeScope {
  projectIds: string[];
  flag: string;
  /** The change time: the before window ends and the after window starts here. */
  at: Date;
  beforeStart: Date;
  afterEnd: Date;
}

export interface ResultWindowCount {
  result: string;
  isAfter: boolean;
  events: number;
  newIssues: number;
}

/** Events carrying the flag, per result, before and after the change (minute buckets). */
export async function countFlagResultWindows(db: Queryable, s: ChangeScope): Promise<ResultWindowCount[]> {
  const { rows } = await db.query<ResultWindowCount>(
    `SELECT result, minute >= $3 AS "isAfter", sum(event_count)::int AS events, sum(new_issue_count)::int AS "newIssues"
       FROM project_flag_minutes
      WHERE project_id = ANY($1::bigint[]) AND flag = $2 AND minute >= $4 AND minute < $5
      GROUP BY 1, 2`,
    [s.projectIds, s.flag, minuteFloor(s.at), minuteFloor(s.beforeStart), s.afterEnd],
  );
  return rows;
}

/** All events of the projects before and after the change. */
export async function countEventWindows(
  db: Queryable,
  s: ChangeScope,
): Promise<Array<{ isAfter: boolean; events: number; newIssues: number }>> {
  const { rows } = await db.query<{ isAfter: boolean; events: number; newIssues: number }>(
    `SELECT minute >= $2 AS "isAfter", sum(event_count)::int AS events, sum(new_issue_count)::int AS "newIssues"
       FROM project_event_minutes
      WHERE project_id = ANY($1::bigint[]) AND minute >= $3 AND minute < $4
      GROUP BY 1`,
    [s.projectIds, minuteFloor(s.at), minuteFloor(s.beforeStart), s.afterEnd],
  );
  return rows;
}

export interface NewIssueFlagRow {
  issueId: string;
  shortId: string;
  title: string;
  events: number;
  /** The issue's events per result of the changed flag. */
  results: Record<string, number>;
}

/** Issues first seen after the change, with their counts of the changed flag's results. */
export async function listNewIssuesAfterChange(
  db: Queryable,
  s: ChangeScope,
  limit: number,
): Promise<NewIssueFlagRow[]> {
  const { rows } = await db.query<NewIssueFlagRow>(
    `SELECT i.id AS "issueId", p.short_id_prefix || '-' || i.short_id AS "shortId", i.title, i.event_count::int AS events,
            coalesce((SELECT jsonb_object_agg(v.result, v.count) FROM issue_flag_values v WHERE v.issue_id = i.id AND v.flag = $2), '{}') AS results
       FROM issues i JOIN projects p ON p.id = i.project_id
      WHERE i.project_id = ANY($1::bigint[]) AND i.first_seen >= $3 AND i.first_seen < $4
      ORDER BY i.event_count DESC, i.id LIMIT $5`,
    [s.projectIds, s.flag, s.at, s.afterEnd, limit],
  );
  return rows.map((r) => ({
    ...r,
    results: Object.fromEntries(Object.entries(r.results).map(([k, v]) => [k, Number(v)])),
  }));
}

/** Minute counters are only read around recent changes; older rows go (retention). */
export async function deleteFlagMinutesBefore(db: Queryable, before: Date): Promise<number> {
  const a = await db.query(`DELETE FROM project_flag_minutes WHERE minute < $1`, [before]);
  const b = await db.query(`DELETE FROM project_event_minutes WHERE minute < $1`, [before]);
  return (a.rowCount ?? 0) + (b.rowCount ?? 0);
}

function minuteFloor(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 60_000) * 60_000);
}
