// Request counters: the worker adds per-minute rows (batched upsert); deploy health reads the
// requests served per host × release in a time window (releases/health.ts).
import type { Queryable } from '../db/pool.js';
import type { RequestCountRow } from './request-counter.js';

/** Adds requests; rows must be unique per key. Sorted, so concurrent batches lock in one order. */
export async function upsertRequestCounts(db: Queryable, rows: RequestCountRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO request_counts (project_id, environment, minute, server_name, release, requests)
     SELECT u.project_id, u.environment, u.minute, u.server_name, u.release, u.requests
       FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::bigint[])
         AS u(project_id, environment, minute, server_name, release, requests)
       JOIN projects p ON p.id = u.project_id
      ORDER BY u.project_id, u.environment, u.minute, u.server_name, u.release
     ON CONFLICT (project_id, environment, minute, server_name, release)
       DO UPDATE SET requests = request_counts.requests + excluded.requests`,
    [
      rows.map((r) => r.projectId),
      rows.map((r) => r.environment),
      rows.map((r) => r.minute),
      rows.map((r) => r.serverName),
      rows.map((r) => r.release),
      rows.map((r) => r.requests),
    ],
  );
}

export interface ListRequestCountsArgs {
  projectIds: string[];
  environment: string;
  from: Date;
  to: Date;
}

export interface HostReleaseRequests {
  /** null when the SDK did not know its host / release. */
  serverName: string | null;
  release: string | null;
  requests: number;
}

/**
 * Requests served in [from, to) per host × release. A minute only partly inside the window
 * counts in proportion (requests are assumed even within a minute), rounded to whole requests.
 */
export async function listRequestCounts(db: Queryable, args: ListRequestCountsArgs): Promise<HostReleaseRequests[]> {
  if (args.projectIds.length === 0 || args.to <= args.from) return [];
  const { rows } = await db.query<{ server_name: string; release: string; requests: number }>(
    `SELECT server_name, release,
            sum(requests * extract(epoch FROM least(minute + interval '1 minute', $4) - greatest(minute, $3)) / 60)::float8 AS requests
       FROM request_counts
      WHERE project_id = ANY($1::bigint[]) AND environment = $2
        AND minute > $3::timestamptz - interval '1 minute' AND minute < $4
      GROUP BY server_name, release
      ORDER BY server_name, release`,
    [args.projectIds, args.environment, args.from, args.to],
  );
  return rows
    .map((r) => ({ serverName: r.server_name || null, release: r.release || null, requests: Math.round(r.requests) }))
    .filter((r) => r.requests > 0);
}
