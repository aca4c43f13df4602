// Event storage queries: the idempotent batch insert the pipeline counts from, and the daily
// partition maintenance for the events table (partitioned by the event's own timestamp).
import type { Queryable } from '../db/pool.js';
import { encodePayload } from './payload-codec.js';

export interface NewEventRow {
  projectId: string;
  eventId: string; // 32 lowercase hex
  timestamp: string; // ISO
  receivedAt: string; // ISO
  issueId: string;
  level: string;
  release: string | null;
  environment: string | null;
  serverName: string | null;
  userKey: string | null;
  title: string;
  /** The event's first grouping hash: the one that decides its issue (unmerge moves events by it). */
  primaryHash: string | null;
  /** The stored event, already serialized as JSON. */
  payload: string;
}

/** `${projectId}:${eventId}` — how insertEvents reports which rows were new. */
export function eventKey(projectId: string, eventId: string): string {
  return `${projectId}:${eventId}`;
}

/**
 * Inserts events; a re-delivered event (same project, id and clamped timestamp) is skipped.
 * Returns the keys (eventKey) of the rows actually inserted: only those may be counted.
 * Payloads are compressed here (payload-codec.ts) and travel as one binary parameter cut by offsets:
 * a bytea[] (or jsonb[]) array literal would escape every byte of every payload, which cost more
 * CPU than the rest of the insert (bench/results: CPU per event).
 */
export async function insertEvents(db: Queryable, events: NewEventRow[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const compressed = events.map((e) => encodePayload(e.payload));
  const offsets: number[] = [];
  let at = 0;
  for (const c of compressed) {
    offsets.push(at);
    at += c.length;
  }
  const { rows } = await db.query<{ project_id: string; event_id: string }>(
    `INSERT INTO events (project_id, event_id, timestamp, received_at, issue_id, level, release, environment,
                         server_name, user_key, title, primary_hash, payload_z)
     SELECT u.project_id, u.event_id, u.timestamp, u.received_at, u.issue_id, u.level, u.release, u.environment,
            u.server_name, u.user_key, u.title, u.primary_hash, substring($12::bytea FROM u.off + 1 FOR u.len)
     FROM unnest($1::bigint[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::text[],
                 $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $13::int[], $14::int[], $15::text[])
            AS u(project_id, event_id, timestamp, received_at, issue_id, level, release, environment,
                 server_name, user_key, title, off, len, primary_hash)
     ON CONFLICT DO NOTHING
     RETURNING project_id, replace(event_id::text, '-', '') AS event_id`,
    [
      events.map((e) => e.projectId),
      events.map((e) => e.eventId),
      events.map((e) => e.timestamp),
      events.map((e) => e.receivedAt),
      events.map((e) => e.issueId),
      events.map((e) => e.level),
      events.map((e) => e.release),
      events.map((e) => e.environment),
      events.map((e) => e.serverName),
      events.map((e) => e.userKey),
      events.map((e) => e.title),
      Buffer.concat(compressed, at),
      offsets,
      compressed.map((c) => c.length),
      events.map((e) => e.primaryHash),
    ],
  );
  return new Set(rows.map((r) => eventKey(r.project_id, r.event_id)));
}

/**
 * Which of these (project, event id) pairs are stored already, whatever their timestamp: for
 * events dated by their receipt (no usable timestamp of their own), where a re-sent copy gets
 * another timestamp and so would miss the primary key. One index probe per partition and pair.
 */
export async function findStoredEventKeys(
  db: Queryable,
  keys: Array<{ projectId: string; eventId: string }>,
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.query<{ project_id: string; event_id: string }>(
    `SELECT DISTINCT e.project_id, replace(e.event_id::text, '-', '') AS event_id
       FROM unnest($1::bigint[], $2::uuid[]) AS k(project_id, event_id)
       JOIN events e ON e.project_id = k.project_id AND e.event_id = k.event_id`,
    [keys.map((k) => k.projectId), keys.map((k) => k.eventId)],
  );
  return new Set(rows.map((r) => eventKey(r.project_id, r.event_id)));
}

/** Creates the missing daily partitions for [fromDay, toDay] (YYYY-MM-DD, UTC); returns how many. */
export async function ensureEventPartitions(db: Queryable, fromDay: string, toDay: string): Promise<number> {
  const { rows } = await db.query<{ created: number }>(
    'SELECT ensure_event_partitions($1::date, $2::date) AS created',
    [fromDay, toDay],
  );
  return rows[0]?.created ?? 0;
}

/** Postgres refused a row because no events partition covers its timestamp. */
export function isMissingPartitionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === '23514' && /no partition of relation/.test(e.message ?? '');
}
