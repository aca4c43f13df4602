// Release-health and client-report counters: batched upserts that add to the hourly rows.
// Rows for projects that no longer exist are skipped by the join instead of failing the batch.
import type { Queryable } from '../db/pool.js';
import type { ClientReportRow, SessionCountRow, SessionUserRow } from './aux-payloads.js';

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
    [
      rows.map((r) => r.projectId),
      rows.map((r) => r.release),
      rows.map((r) => r.environment),
      rows.map((r) => r.hour),
      rows.map((r) => r.status),
      rows.map((r) => r.count),
    ],
  );
}

/** The same deltas by the minute the sessions started in (the deploy verdict's resolution). */
export async function upsertSessionMinuteCounts(db: Queryable, rows: SessionCountRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO session_minute_counts (project_id, environment, minute, release, status, count)
     SELECT u.project_id, u.environment, u.minute, u.release, u.status, u.count
       FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::bigint[])
         AS u(project_id, environment, minute, release, status, count)
       JOIN projects p ON p.id = u.project_id
      ORDER BY u.project_id, u.environment, u.minute, u.release, u.status
     ON CONFLICT (project_id, environment, minute, release, status)
       DO UPDATE SET count = session_minute_counts.count + excluded.count`,
    [
      rows.map((r) => r.projectId),
      rows.map((r) => r.environment),
      rows.map((r) => r.minute),
      rows.map((r) => r.release),
      rows.map((r) => r.status),
      rows.map((r) => r.count),
    ],
  );
}

/** Records distinct users, keeping the worst status rank each reached; idempotent. Rows unique per key. */
export async function upsertSessionUsers(db: Queryable, rows: SessionUserRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO session_users (project_id, release, environment, hour, did, status_rank)
     SELECT u.project_id, u.release, u.environment, u.hour, u.did, u.rank
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::smallint[])
         AS u(project_id, release, environment, hour, did, rank)
       JOIN projects p ON p.id = u.project_id
      ORDER BY u.project_id, u.release, u.environment, u.hour, u.did
     ON CONFLICT (project_id, release, environment, hour, did)
       DO UPDATE SET status_rank = greatest(session_users.status_rank, excluded.status_rank)`,
    [
      rows.map((r) => r.projectId),
      rows.map((r) => r.release),
      rows.map((r) => r.environment),
      rows.map((r) => r.hour),
      rows.map((r) => r.did),
      rows.map((r) => r.rank),
    ],
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
    [
      rows.map((r) => r.projectId),
      rows.map((r) => r.hour),
      rows.map((r) => r.reason),
      rows.map((r) => r.category),
      rows.map((r) => r.quantity),
    ],
  );
}

/** Releases seen only through sessions exist too (as Sentry creates them); existing rows are left alone. */
export async function insertSessionReleases(
  db: Queryable,
  rows: Array<{ projectId: string; release: string }>,
): Promise<void> {
  if (rows.length === 0) return;
  const params = [rows.map((r) => r.projectId), rows.map((r) => r.release)];
  await db.query(
    `INSERT INTO releases (organization_id, version)
     SELECT DISTINCT p.organization_id, u.release
       FROM unnest($1::bigint[], $2::text[]) AS u(project_id, release)
       JOIN projects p ON p.id = u.project_id
      ORDER BY p.organization_id, u.release
     ON CONFLICT (organization_id, version) DO NOTHING`,
    params,
  );
  await db.query(
    `INSERT INTO release_projects (release_id, project_id)
     SELECT DISTINCT r.id, u.project_id
       FROM unnest($1::bigint[], $2::text[]) AS u(project_id, release)
       JOIN projects p ON p.id = u.project_id
       JOIN releases r ON r.organization_id = p.organization_id AND r.version = u.release
      ORDER BY r.id, u.project_id
     ON CONFLICT (release_id, project_id) DO NOTHING`,
    params,
  );
}
