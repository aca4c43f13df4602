// Retention queries: the partitions of events, dropping one (through drop_event_partition,
// which refuses anything else), and deleting issues that have no events left and no activity.
import type { Queryable } from '../db/pool.js';

export async function listEventPartitions(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`,
  );
  return rows.map((r) => r.name);
}

/** Drops one partition; gives up (lock_timeout) rather than queue behind long queries. */
export async function dropEventPartition(db: Queryable, name: string, lockTimeoutMs: number): Promise<boolean> {
  await db.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
  const { rows } = await db.query<{ dropped: boolean }>('SELECT drop_event_partition($1) AS dropped', [name]);
  return rows[0]?.dropped ?? false;
}

/**
 * Deletes up to `limit` issues last seen before the cutoff that have no events left and no
 * activity (status changes, assignments) since the cutoff. Their counts, hashes and tag values
 * go with them (ON DELETE CASCADE). Returns how many were deleted.
 */
export async function deleteAbandonedIssues(db: Queryable, cutoff: Date, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM issues WHERE id IN (
       SELECT i.id FROM issues i
        WHERE i.last_seen < $1
          AND NOT EXISTS (SELECT 1 FROM events e WHERE e.issue_id = i.id)
          AND NOT EXISTS (SELECT 1 FROM issue_activities a WHERE a.issue_id = i.id AND a.created_at >= $1)
        LIMIT $2)`,
    [cutoff, limit],
  );
  return rowCount ?? 0;
}

/** Deletes up to `limit` request-count rows (UDP/SDK counters) older than the cutoff; returns how many. */
export async function deleteExpiredRequestCounts(db: Queryable, cutoff: Date, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    'DELETE FROM request_counts WHERE ctid IN (SELECT ctid FROM request_counts WHERE minute < $1 LIMIT $2)',
    [cutoff, limit],
  );
  return rowCount ?? 0;
}

/** Deletes up to `limit` minute-resolution session counts (deploy verdict input) older than the cutoff. */
export async function deleteExpiredSessionMinuteCounts(db: Queryable, cutoff: Date, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    'DELETE FROM session_minute_counts WHERE ctid IN (SELECT ctid FROM session_minute_counts WHERE minute < $1 LIMIT $2)',
    [cutoff, limit],
  );
  return rowCount ?? 0;
}
