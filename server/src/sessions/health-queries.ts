// Reads of release health: session counts and distinct users over a range, bucketed by an
// interval and grouped by the columns the sessions API asks for. Hour rows from session_counts
// and session_users; minute rows from session_minute_counts (sub-hour intervals, deploy verdict).
import type { Queryable } from '../db/pool.js';
import type { SessionStatus } from './aux-payloads.js';

export interface HealthFilter {
  projectIds: string[];
  from: Date;
  to: Date;
  /** Empty: any. */
  environments: string[];
  releases: string[];
}

/** Which columns to keep; the others come back as null (one query shape, no SQL built from input). */
export interface HealthGrouping {
  project: boolean;
  release: boolean;
  environment: boolean;
}

export interface SessionCountBucket {
  projectId: string | null;
  release: string | null;
  environment: string | null;
  bucket: Date;
  status: SessionStatus;
  count: number;
}

/** Session counts per bucket (`stepSeconds` wide, from `from`) and status; hour or minute rows. */
export async function listSessionCountBuckets(
  db: Queryable,
  f: HealthFilter,
  g: HealthGrouping,
  stepSeconds: number,
): Promise<SessionCountBucket[]> {
  const table = stepSeconds % 3600 === 0 ? 'session_counts' : 'session_minute_counts';
  const time = table === 'session_counts' ? 'hour' : 'minute';
  const { rows } = await db.query<SessionCountBucket>(
    `SELECT CASE WHEN $6 THEN project_id::text END AS "projectId",
            CASE WHEN $7 THEN release END AS release,
            CASE WHEN $8 THEN environment END AS environment,
            date_bin(make_interval(secs => $9), ${time}, $2) AS bucket,
            status, sum(count)::float8 AS count
       FROM ${table}
      WHERE project_id = ANY($1::bigint[]) AND ${time} >= $2 AND ${time} < $3
        AND (cardinality($4::text[]) = 0 OR environment = ANY($4::text[]))
        AND (cardinality($5::text[]) = 0 OR release = ANY($5::text[]))
      GROUP BY 1, 2, 3, 4, 5
     HAVING sum(count) > 0`,
    [f.projectIds, f.from, f.to, f.environments, f.releases, g.project, g.release, g.environment, stepSeconds],
  );
  return rows;
}

export interface UserCountBucket {
  projectId: string | null;
  release: string | null;
  environment: string | null;
  /** Null: the whole range (totals); a user counts once in it. */
  bucket: Date | null;
  /** The worst status rank a user reached in the bucket (0 ok … 5 crashed). */
  rank: number;
  users: number;
}

/** Distinct users per bucket (or over the whole range when `stepSeconds` is null) and worst rank. */
export async function listUserCountBuckets(
  db: Queryable,
  f: HealthFilter,
  g: HealthGrouping,
  stepSeconds: number | null,
): Promise<UserCountBucket[]> {
  const { rows } = await db.query<UserCountBucket>(
    `WITH u AS (
       SELECT CASE WHEN $6 THEN project_id::text END AS "projectId",
              CASE WHEN $7 THEN release END AS release,
              CASE WHEN $8 THEN environment END AS environment,
              CASE WHEN $9::float8 IS NULL THEN NULL ELSE date_bin(make_interval(secs => $9), hour, $2) END AS bucket,
              did, max(status_rank) AS rank
         FROM session_users
        WHERE project_id = ANY($1::bigint[]) AND hour >= $2 AND hour < $3
          AND (cardinality($4::text[]) = 0 OR environment = ANY($4::text[]))
          AND (cardinality($5::text[]) = 0 OR release = ANY($5::text[]))
        GROUP BY 1, 2, 3, 4, did)
     SELECT "projectId", release, environment, bucket, rank::int AS rank, count(*)::float8 AS users
       FROM u GROUP BY 1, 2, 3, 4, 5`,
    [f.projectIds, f.from, f.to, f.environments, f.releases, g.project, g.release, g.environment, stepSeconds],
  );
  return rows;
}
