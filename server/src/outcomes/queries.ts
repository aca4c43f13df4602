// Loss-accounting queries: the hourly outcome counters the worker's flush writes (with the flush
// ledger that makes a retried flush harmless), and what the stats API reads back.
import type { Queryable } from '../db/pool.js';

export interface OutcomeCountRow {
  projectId: string;
  hour: string; // ISO timestamp of the hour
  category: string;
  outcome: string;
  reason: string;
  quantity: number;
}

/** Records a flush id; false when it was recorded before (its counts are in already). */
export async function insertOutcomeFlush(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`INSERT INTO outcome_flushes (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [id]);
  return rowCount === 1;
}

/** Adds quantities; rows must be unique per key. Sorted: one lock order for concurrent flushes. */
export async function upsertOutcomeCounts(db: Queryable, rows: OutcomeCountRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO outcome_counts (project_id, hour, category, outcome, reason, quantity)
     SELECT u.project_id, u.hour, u.category, u.outcome, u.reason, u.quantity
       FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::bigint[])
         AS u(project_id, hour, category, outcome, reason, quantity)
      ORDER BY u.project_id, u.hour, u.category, u.outcome, u.reason
     ON CONFLICT (project_id, hour, category, outcome, reason)
       DO UPDATE SET quantity = outcome_counts.quantity + excluded.quantity`,
    [
      rows.map((r) => r.projectId),
      rows.map((r) => r.hour),
      rows.map((r) => r.category),
      rows.map((r) => r.outcome),
      rows.map((r) => r.reason),
      rows.map((r) => r.quantity),
    ],
  );
}

export interface ListOutcomeCountsArgs {
  projectId: string;
  since: Date;
  until: Date;
}

export async function listOutcomeCounts(db: Queryable, args: ListOutcomeCountsArgs): Promise<OutcomeCountRow[]> {
  const { rows } = await db.query<{ hour: Date; category: string; outcome: string; reason: string; quantity: string }>(
    `SELECT hour, category, outcome, reason, quantity
       FROM outcome_counts
      WHERE project_id = $1 AND hour >= $2 AND hour < $3
      ORDER BY hour, category, outcome, reason`,
    [args.projectId, args.since, args.until],
  );
  return rows.map((r) => ({
    projectId: args.projectId,
    hour: r.hour.toISOString(),
    category: r.category,
    outcome: r.outcome,
    reason: r.reason,
    quantity: Number(r.quantity),
  }));
}

export interface ClientReportCountRow {
  hour: string;
  reason: string;
  category: string;
  quantity: number;
}

/** What the SDKs reported they discarded (client reports, counted by pipeline/count-aux.ts). */
export async function listClientReportCounts(
  db: Queryable,
  args: ListOutcomeCountsArgs,
): Promise<ClientReportCountRow[]> {
  const { rows } = await db.query<{ hour: Date; reason: string; category: string; quantity: string }>(
    `SELECT hour, reason, category, quantity
       FROM client_report_counts
      WHERE project_id = $1 AND hour >= $2 AND hour < $3
      ORDER BY hour, reason, category`,
    [args.projectId, args.since, args.until],
  );
  return rows.map((r) => ({
    hour: r.hour.toISOString(),
    reason: r.reason,
    category: r.category,
    quantity: Number(r.quantity),
  }));
}

/** Forgets flush ids old enough that no interrupted flush can still be retried. */
export async function deleteOldOutcomeFlushes(db: Queryable, before: Date): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM outcome_flushes WHERE flushed_at < $1`, [before]);
  return rowCount ?? 0;
}
