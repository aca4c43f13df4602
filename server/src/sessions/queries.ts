// Release-health and client-report counters: batched upserts that add to the hourly rows.
// Rows for projects that no longer exist are skipped by the join instead of failing the batch.
import type { Queryable } from '../db/pool.js';
import type { ClientReportRow, SessionCountRow } from './aux-payloads.js';

/** Adds (possibly negative) deltas; rows must be unique per key. Sorted: one lock order for all batches. */
export async function upsertSessionCounts(db: Queryable, rows: SessionCountRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO session_counts (project_id, release, environment, hour, status, count)
     SELECT u.project_id, u.release, u.environment, u.hour, u.status, u.count
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[])
         AS u(project_id, release, environment, hour, status, count)
       JOIN projects p ON p.id = u.project_id
      ORDER BY u.project_id, u.release, u.environment, u.hour, u.status
     ON CONFLICT (project_id, release, environment, hour, status)
       DO UPDATE SET count = session_counts.count + excluded.count`,
    [rows.map((r) => r.projectId), rows.map((r) => r.release), rows.map((r) => r.environment), rows.map((r) => r.hour), rows.map((r) => r.status), rows.map((r) => r.count)],
  );
}

/** Adds quantities; rows must be unique per key. */
export async function upsertClientReportCounts(db: Queryable, rows: ClientReportRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO client_report_counts (project_id, hour, reason, category, quantity)
     SELECT u.project_id, u.hour, u.reason, u.category, u.quantity
       FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::bigint[])
         AS u(project_id, hour, reason, category, quantity)
       JOIN projects p ON p.id = u.project_id
      ORDER BY u.project_id, u.hour, u.reason, u.category
     ON CONFLICT (project_id, hour, reason, category)
       DO UPDATE SET quantity = client_report_counts.quantity + excluded.quantity`,
    [rows.map((r) => r.projectId), rows.map((r) => r.hour), rows.map((r) => r.reason), rows.map((r) => r.category), rows.map((r) => r.quantity)],
  );
}
