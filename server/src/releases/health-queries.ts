// The aggregates deploy health is computed from: events of the deploy's projects and environment
// counted per host (server_name) × release around the deploy, the issues this release introduced
// there, and the regressions it brought back. Uses events_project_environment_time_idx.
import type { Queryable } from '../db/pool.js';

export interface HealthScope {
  projectIds: string[];
  environment: string;
  version: string;
  /** The deploy time; the before window ends and the after window starts here. */
  deployAt: Date;
  beforeStart: Date;
  afterEnd: Date;
}

export interface HostReleaseCount {
  serverName: string | null;
  release: string | null;
  isAfter: boolean;
  events: number;
}

/** Event counts per host × release, split into the before and after windows. */
export async function countEventsByHostRelease(db: Queryable, s: HealthScope): Promise<HostReleaseCount[]> {
  const { rows } = await db.query<HostReleaseCount>(
    `SELECT server_name AS "serverName", release, timestamp >= $3 AS "isAfter", count(*)::int AS events
       FROM events
      WHERE project_id = ANY($1::bigint[]) AND environment = $2 AND timestamp >= $4 AND timestamp < $5
      GROUP BY 1, 2, 3`,
    [s.projectIds, s.environment, s.deployAt, s.beforeStart, s.afterEnd],
  );
  return rows;
}

export interface SessionReleaseCount {
  isRelease: boolean;
  isAfter: boolean;
  status: string;
  sessions: number;
}

/**
 * Sessions that started around the deploy, by (this release or not) × (before or after) × status.
 * Counts are per started minute: the deploy's own minute counts as after, the windows' edges
 * round down to whole minutes.
 */
export async function countSessionsAroundDeploy(db: Queryable, s: HealthScope): Promise<SessionReleaseCount[]> {
  const { rows } = await db.query<SessionReleaseCount>(
    `SELECT release = $3 AS "isRelease", minute >= date_trunc('minute', $4::timestamptz) AS "isAfter", status, sum(count)::float8 AS sessions
       FROM session_minute_counts
      WHERE project_id = ANY($1::bigint[]) AND environment = $2
        AND minute >= date_trunc('minute', $5::timestamptz) AND minute < $6
      GROUP BY 1, 2, 3
     HAVING sum(count) > 0`,
    [s.projectIds, s.environment, s.version, s.deployAt, s.beforeStart, s.afterEnd],
  );
  return rows;
}

export interface IssueCountRow {
  issueId: string;
  shortId: string;
  title: string;
  firstSeen: Date;
  status: string;
  substatus: string | null;
  events: number;
  eventsOtherReleases: number;
  hosts: number;
}

const ISSUE_COUNTS = `
  SELECT i.id AS "issueId", p.short_id_prefix || '-' || i.short_id AS "shortId", i.title, i.first_seen AS "firstSeen",
    i.status, i.substatus,
    count(*) FILTER (WHERE e.release = $3)::int AS events,
    count(*) FILTER (WHERE e.release IS DISTINCT FROM $3)::int AS "eventsOtherReleases",
    count(DISTINCT e.server_name) FILTER (WHERE e.release = $3)::int AS hosts
  FROM issues i
  JOIN projects p ON p.id = i.project_id
  JOIN events e ON e.project_id = i.project_id AND e.issue_id = i.id AND e.environment = $2 AND e.timestamp >= $4 AND e.timestamp < $5`;

/**
 * Issues this release introduced to the environment: first seen in this release, with events
 * here after the deploy and none here before it (so an issue first met in staging still counts).
 */
export async function listNewIssues(db: Queryable, s: HealthScope, limit: number): Promise<IssueCountRow[]> {
  const { rows } = await db.query<IssueCountRow>(
    `${ISSUE_COUNTS}
     WHERE i.project_id = ANY($1::bigint[]) AND i.first_release = $3 AND i.last_seen >= $4
       AND NOT EXISTS (SELECT 1 FROM events b WHERE b.issue_id = i.id AND b.project_id = i.project_id
                         AND b.environment = $2 AND b.timestamp < $4 AND b.timestamp >= $6)
     GROUP BY i.id, p.short_id_prefix
     ORDER BY events DESC, i.id LIMIT $7`,
    [s.projectIds, s.environment, s.version, s.deployAt, s.afterEnd, oldestEventBound(s), limit],
  );
  return rows;
}

/** Issues marked regressed that have events from this release after the deploy. */
export async function listRegressions(db: Queryable, s: HealthScope, limit: number): Promise<IssueCountRow[]> {
  const { rows } = await db.query<IssueCountRow>(
    `${ISSUE_COUNTS}
     WHERE i.project_id = ANY($1::bigint[]) AND i.status = 'unresolved' AND i.substatus = 'regressed'
       AND i.first_seen < $4 AND i.last_seen >= $4
     GROUP BY i.id, p.short_id_prefix
     HAVING count(*) FILTER (WHERE e.release = $3) > 0
     ORDER BY events DESC, i.id LIMIT $6`,
    [s.projectIds, s.environment, s.version, s.deployAt, s.afterEnd, limit],
  );
  return rows;
}

/** How far back "none before the deploy" looks (event retention bounds it anyway). */
function oldestEventBound(s: HealthScope): Date {
  return new Date(s.deployAt.getTime() - 90 * 24 * 3600_000);
}

/**
 * The release (other than `version`) whose events were last seen in the environment before
 * `before`, within the last 30 days: the rollback target when no earlier deploy is recorded.
 */
export async function findLastSeenRelease(
  db: Queryable,
  a: { projectIds: string[]; environment: string; version: string; before: Date },
): Promise<{ version: string; lastSeen: Date } | null> {
  const { rows } = await db.query<{ version: string; lastSeen: Date }>(
    `SELECT release AS version, timestamp AS "lastSeen" FROM events
      WHERE project_id = ANY($1::bigint[]) AND environment = $2 AND timestamp < $3 AND timestamp >= $3::timestamptz - interval '30 days'
        AND release IS NOT NULL AND release <> $4
      ORDER BY timestamp DESC LIMIT 1`,
    [a.projectIds, a.environment, a.before, a.version],
  );
  return rows[0] ?? null;
}
