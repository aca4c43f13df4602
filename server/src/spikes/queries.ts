// Spike protection's tables: sampled_events (events counted but not stored, for idempotency;
// pruned after a day) and issue_sampling (per-issue totals the API shows beside the exact counts).
import type { Queryable } from '../db/pool.js';
import { compareIds } from '../db/ids.js';

export interface EventRef {
  projectId: string;
  eventId: string;
}

export interface SampledEventRow extends EventRef {
  issueId: string;
  /** ISO timestamp: the event's (clamped) timestamp, the events table's key part. */
  timestamp: string;
  receivedAt: string;
}

function refKey(projectId: string, eventId: string): string {
  return `${projectId}:${eventId.replaceAll('-', '')}`;
}

/** Which of the events were counted as sampled before (their re-delivery must not count again). */
export async function findSampledEvents(db: Queryable, refs: EventRef[]): Promise<Set<string>> {
  if (refs.length === 0) return new Set();
  const { rows } = await db.query<{ project_id: string; event_id: string }>(
    `SELECT s.project_id, s.event_id
       FROM sampled_events s
       JOIN unnest($1::bigint[], $2::uuid[]) AS u(project_id, event_id)
         ON s.project_id = u.project_id AND s.event_id = u.event_id`,
    [refs.map((r) => r.projectId), refs.map((r) => r.eventId)],
  );
  return new Set(rows.map((r) => refKey(r.project_id, r.event_id)));
}

/**
 * Records sampled events; returns the ones newly recorded. An event already stored in full
 * (same project, id and timestamp: an earlier delivery kept it) or already recorded is skipped.
 * The batch's time span ($6, $7) lets Postgres prune the events partitions while planning: with
 * only the per-row timestamps it planned every day's partition each time (~1 ms a batch with 32
 * partitions, more than the statement's execution).
 */
export async function insertSampledEvents(db: Queryable, rows: SampledEventRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const times = rows.map((r) => Date.parse(r.timestamp));
  const { rows: inserted } = await db.query<{ project_id: string; event_id: string }>(
    `INSERT INTO sampled_events (project_id, event_id, issue_id, received_at)
     SELECT u.project_id, u.event_id, u.issue_id, u.received_at
       FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::timestamptz[], $5::timestamptz[])
         AS u(project_id, event_id, issue_id, ts, received_at)
      WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.project_id = u.project_id AND e.event_id = u.event_id AND e.timestamp = u.ts
                          AND e.timestamp BETWEEN $6 AND $7)
      ORDER BY u.project_id, u.event_id
     ON CONFLICT (project_id, event_id) DO NOTHING
     RETURNING project_id, event_id`,
    [
      rows.map((r) => r.projectId),
      rows.map((r) => r.eventId),
      rows.map((r) => r.issueId),
      rows.map((r) => r.timestamp),
      rows.map((r) => r.receivedAt),
      new Date(Math.min(...times)).toISOString(),
      new Date(Math.max(...times)).toISOString(),
    ],
  );
  return new Set(inserted.map((r) => refKey(r.project_id, r.event_id)));
}

export { refKey as sampledEventKey };

export interface IssueSamplingDelta {
  issueId: string;
  count: number;
  firstAt: string;
  lastAt: string;
}

/** Adds to the per-issue totals; sorted by issue id (the issues' lock order). */
export async function upsertIssueSampling(db: Queryable, deltas: IssueSamplingDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const sorted = [...deltas].sort((a, b) => compareIds(a.issueId, b.issueId));
  await db.query(
    `INSERT INTO issue_sampling (issue_id, sampled_count, first_sampled_at, last_sampled_at)
     SELECT u.issue_id, u.n, u.first_at, u.last_at
       FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[]) AS u(issue_id, n, first_at, last_at)
       JOIN issues i ON i.id = u.issue_id
     ON CONFLICT (issue_id) DO UPDATE SET
       sampled_count = issue_sampling.sampled_count + excluded.sampled_count,
       first_sampled_at = LEAST(issue_sampling.first_sampled_at, excluded.first_sampled_at),
       last_sampled_at = GREATEST(issue_sampling.last_sampled_at, excluded.last_sampled_at)`,
    [
      sorted.map((d) => d.issueId),
      sorted.map((d) => d.count),
      sorted.map((d) => d.firstAt),
      sorted.map((d) => d.lastAt),
    ],
  );
}

export interface IssueSamplingRow {
  sampledCount: number;
  firstSampledAt: Date;
  lastSampledAt: Date;
}

export async function findIssueSampling(db: Queryable, issueId: string): Promise<IssueSamplingRow | null> {
  const { rows } = await db.query<{ sampled_count: string; first_sampled_at: Date; last_sampled_at: Date }>(
    `SELECT sampled_count, first_sampled_at, last_sampled_at FROM issue_sampling WHERE issue_id = $1`,
    [issueId],
  );
  const r = rows[0];
  return r
    ? { sampledCount: Number(r.sampled_count), firstSampledAt: r.first_sampled_at, lastSampledAt: r.last_sampled_at }
    : null;
}

/** Deletes dedup rows older than `before` in slices (no long lock); returns how many went. */
export async function deleteOldSampledEvents(db: Queryable, before: Date, limit = 10_000): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM sampled_events WHERE ctid IN (SELECT ctid FROM sampled_events WHERE received_at < $1 LIMIT $2)`,
    [before, limit],
  );
  return rowCount ?? 0;
}
