// Event reads for the API: an issue's events (keyset by timestamp, event id), one event
// (latest, oldest or by id) and its neighbours. Event ids leave as 32 hex (no dashes).
import type { Queryable } from '../db/pool.js';
import type { Cursor } from '../api/pagination.js';
import { decodePayload, PAYLOAD_COLUMNS, type StoredPayload } from './payload-codec.js';

export interface EventRow {
  eventId: string;
  projectId: string;
  issueId: string;
  timestamp: Date;
  receivedAt: Date;
  level: string;
  release: string | null;
  environment: string | null;
  serverName: string | null;
  title: string;
  payload: Record<string, unknown>;
  /** The timestamp in microseconds since the epoch (exact, unlike Date): the keyset key. */
  sortKey: string;
}

const EVENT_COLUMNS = `replace(e.event_id::text, '-', '') AS "eventId", e.project_id AS "projectId", e.issue_id AS "issueId",
  e.timestamp, e.received_at AS "receivedAt", e.level, e.release, e.environment, e.server_name AS "serverName", e.title,
  (extract(epoch FROM e.timestamp) * 1000000)::bigint AS "sortKey"`;

/** The parts of the payload a list row shows (the whole payload with `full`). */
const SUMMARY_KEYS = ['tags', 'user', 'platform', 'logentry', 'message', 'type', 'exception'] as const;

type StoredEventRow = Omit<EventRow, 'payload'> & StoredPayload;

function toEventRow({ payloadZ, payloadJson, ...row }: StoredEventRow, keys?: readonly string[]): EventRow {
  return { ...row, payload: decodePayload({ payloadZ, payloadJson }, keys) };
}

const FROM_KEY = (param: string) => `('epoch'::timestamptz + ${param}::bigint * interval '1 microsecond')`;

export async function listIssueEvents(
  db: Queryable,
  args: { projectId: string; issueId: string; cursor: Cursor | null; fetch: number; full: boolean },
): Promise<EventRow[]> {
  const backwards = args.cursor?.direction === 'prev';
  const params: unknown[] = [args.projectId, args.issueId, args.fetch];
  let keyset = '';
  if (args.cursor) {
    params.push(args.cursor.key, args.cursor.id);
    keyset = `AND (e.timestamp, e.event_id) ${backwards ? '>' : '<'} (${FROM_KEY('$4')}, $5::uuid)`;
  }
  const dir = backwards ? 'ASC' : 'DESC';
  const { rows } = await db.query<StoredEventRow>(
    `SELECT ${EVENT_COLUMNS}, ${PAYLOAD_COLUMNS}
     FROM events e WHERE e.project_id = $1 AND e.issue_id = $2 ${keyset}
     ORDER BY e.timestamp ${dir}, e.event_id ${dir} LIMIT $3`,
    params,
  );
  return rows.map((r) => toEventRow(r, args.full ? undefined : SUMMARY_KEYS));
}

export type EventPick = { kind: 'latest' } | { kind: 'oldest' } | { kind: 'id'; eventId: string };

/** One event of an issue (or of a project when issueId is null). */
export async function findEvent(
  db: Queryable,
  args: { projectId: string; issueId: string | null; pick: EventPick },
): Promise<EventRow | null> {
  const params: unknown[] = [args.projectId, args.issueId];
  let where = '';
  let order = 'e.timestamp DESC, e.event_id DESC';
  if (args.pick.kind === 'id') {
    params.push(args.pick.eventId);
    where = 'AND e.event_id = $3::uuid';
  } else if (args.pick.kind === 'oldest') {
    order = 'e.timestamp ASC, e.event_id ASC';
  }
  const { rows } = await db.query<StoredEventRow>(
    `SELECT ${EVENT_COLUMNS}, ${PAYLOAD_COLUMNS} FROM events e
     WHERE e.project_id = $1 AND ($2::bigint IS NULL OR e.issue_id = $2::bigint) ${where}
     ORDER BY ${order} LIMIT 1`,
    params,
  );
  return rows[0] ? toEventRow(rows[0]) : null;
}

/** The issue's events just before and after this one (by timestamp, then id). */
export async function findNeighbourEventIds(
  db: Queryable,
  args: { projectId: string; issueId: string; sortKey: string; eventId: string },
): Promise<{ previous: string | null; next: string | null }> {
  const { rows } = await db.query<{ previous: string | null; next: string | null }>(
    `SELECT
       (SELECT replace(e.event_id::text, '-', '') FROM events e
        WHERE e.project_id = $1 AND e.issue_id = $2 AND (e.timestamp, e.event_id) < (${FROM_KEY('$3')}, $4::uuid)
        ORDER BY e.timestamp DESC, e.event_id DESC LIMIT 1) AS previous,
       (SELECT replace(e.event_id::text, '-', '') FROM events e
        WHERE e.project_id = $1 AND e.issue_id = $2 AND (e.timestamp, e.event_id) > (${FROM_KEY('$3')}, $4::uuid)
        ORDER BY e.timestamp ASC, e.event_id ASC LIMIT 1) AS next`,
    [args.projectId, args.issueId, args.sortKey, args.eventId],
  );
  return rows[0] ?? { previous: null, next: null };
}
