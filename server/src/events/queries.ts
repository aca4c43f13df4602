// Event storage queries: the idempotent batch insert the pipeline counts from, and the daily
// partition maintenance for the events table (partitioned by the event's own timestamp).
import type { Queryable } from '../db/pool.js';

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
 * The payloads travel as one JSON array (joined, not re-escaped): encoding them as a Postgres
 * jsonb[] literal escaped every quote of every payload and cost more CPU than the rest of the
 * insert (bench/results: CPU per event).
 */
export async function insertEvents(db: Queryable, events: NewEventRow[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const { rows } = await db.query<{ project_id: string; event_id: string }>(
    `INSERT INTO events (project_id, event_id, timestamp, received_at, issue_id, level, release, environment,
                         server_name, user_key, title, payload)
     SELECT u.project_id, u.event_id, u.timestamp, u.received_at, u.issue_id, u.level, u.release, u.environment,
            u.server_name, u.user_key, u.title, p.payload
     FROM unnest($1::bigint[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::text[],
                 $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
            WITH ORDINALITY AS u(project_id, event_id, timestamp, received_at, issue_id, level, release, environment,
                                 server_name, user_key, title, n)
     JOIN jsonb_array_elements($12::jsonb) WITH ORDINALITY AS p(payload, n) USING (n)
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
      `[${events.map((e) => e.payload).join(',')}]`,
    ],
  );
  return new Set(rows.map((r) => eventKey(r.project_id, r.event_id)));
}

/** Creates the missing daily partitions for [fromDay, toDay] (YYYY-MM-DD, UTC); returns how many. */
export async function ensureEventPartitions(db: Queryable, fromDay: string, toDay: string): Promise<number> {
  const { rows } = await db.query<{ created: number }>('SELECT ensure_event_partitions($1::date, $2::date) AS created', [fromDay, toDay]);
  return rows[0]?.created ?? 0;
}

/** Postgres refused a row because no events partition covers its timestamp. */
export function isMissingPartitionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === '23514' && /no partition of relation/.test(e.message ?? '');
}
