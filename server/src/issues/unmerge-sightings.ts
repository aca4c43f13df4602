// Issue unmerge, the per-issue value counters: tag values (issue_tag_values) and feature-flag
// results (issue_flag_values) move the same way. A batch takes the moved events' counts off the
// source and reports the values whose first or last sighting a moved event held; when the unmerge
// finishes, those bounds are looked up in the source's remaining events and written back.
import type { Queryable } from '../db/pool.js';
import { decodePayload, PAYLOAD_COLUMNS, type StoredPayload } from '../events/payload-codec.js';
import { eventFlags } from '../flags/evaluations.js';
import { payloadTags, type SightingCount } from './unmerge.js';

export type SightingKind = 'tags' | 'flags';

/** The table and columns of each kind (identifiers, never values, go into the SQL). */
const TABLES: Record<SightingKind, { table: string; key: string; value: string }> = {
  tags: { table: 'issue_tag_values', key: 'key', value: 'value' },
  flags: { table: 'issue_flag_values', key: 'flag', value: 'result' },
};

const SIGHTING_KINDS: readonly SightingKind[] = ['tags', 'flags'];

/** (key, value) pairs of each kind, e.g. the values whose bounds need recomputing. */
export type PairsByKind = Record<SightingKind, Array<[string, string]>>;

/** The pairs of one stored event, read as the pipeline counted them (tag stage, flags/evaluations.ts). */
export function payloadSightings(payload: Record<string, unknown>): PairsByKind {
  return { tags: payloadTags(payload), flags: eventFlags(payload) };
}

/**
 * Subtracts counts from the issue's rows of one kind, deleting rows that reach zero. Returns the
 * pairs still counted whose first or last sighting was among the subtracted ones (their bounds
 * are recomputed when the unmerge finishes).
 */
export async function subtractSightings(
  tx: Queryable,
  kind: SightingKind,
  issueId: string,
  rows: SightingCount[],
): Promise<Array<[string, string]>> {
  if (rows.length === 0) return [];
  const { table, key, value } = TABLES[kind];
  const { rows: left } = await tx.query<{ key: string; value: string; boundary: boolean }>(
    `UPDATE ${table} v SET count = v.count - u.count
       FROM unnest($2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::timestamptz[]) AS u(key, value, count, first_seen, last_seen)
      WHERE v.issue_id = $1 AND v.${key} = u.key AND v.${value} = u.value
      RETURNING v.${key} AS key, v.${value} AS value, v.count > 0 AND (v.first_seen >= u.first_seen OR v.last_seen <= u.last_seen) AS boundary`,
    [
      issueId,
      rows.map((x) => x.key),
      rows.map((x) => x.value),
      rows.map((x) => x.count),
      rows.map((x) => x.firstSeen),
      rows.map((x) => x.lastSeen),
    ],
  );
  await tx.query(
    `DELETE FROM ${table} v USING unnest($2::text[], $3::text[]) AS u(key, value)
      WHERE v.issue_id = $1 AND v.${key} = u.key AND v.${value} = u.value AND v.count <= 0`,
    [issueId, rows.map((x) => x.key), rows.map((x) => x.value)],
  );
  return left.filter((r) => r.boundary).map((r) => [r.key, r.value]);
}

/** A pair's first and last sighting among an issue's stored events (null: none stored). */
export interface SightingBound {
  kind: SightingKind;
  key: string;
  value: string;
  first: Date | null;
  last: Date | null;
}

/** Writes the found bounds back to the issue's rows. */
export async function updateSightingBounds(tx: Queryable, issueId: string, bounds: SightingBound[]): Promise<void> {
  for (const kind of SIGHTING_KINDS) {
    const found = bounds.filter((b) => b.kind === kind && b.first && b.last);
    if (found.length === 0) continue;
    const { table, key, value } = TABLES[kind];
    await tx.query(
      `UPDATE ${table} v SET first_seen = u.first_seen, last_seen = greatest(u.last_seen, u.first_seen)
         FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS u(key, value, first_seen, last_seen)
        WHERE v.issue_id = $1 AND v.${key} = u.key AND v.${value} = u.value`,
      [
        issueId,
        found.map((b) => b.key),
        found.map((b) => b.value),
        found.map((b) => b.first),
        found.map((b) => b.last),
      ],
    );
  }
}

const SCAN_PAGE = 500;

/** First and last sighting of each wanted pair among the issue's stored events, one scan each way. */
export async function scanSightingBounds(
  db: Queryable,
  issueId: string,
  wanted: PairsByKind,
): Promise<SightingBound[]> {
  const bounds = new Map<string, SightingBound>();
  for (const kind of SIGHTING_KINDS)
    for (const [key, value] of wanted[kind])
      bounds.set(pairKey(kind, key, value), { kind, key, value, first: null, last: null });
  if (bounds.size === 0) return [];
  for (const direction of ['ASC', 'DESC'] as const) {
    const pending = new Set(bounds.keys());
    const field = direction === 'ASC' ? 'first' : 'last';
    let cursor: { timestamp: Date; eventId: string } | null = null;
    while (pending.size > 0) {
      const page = await readPage(db, issueId, direction, cursor);
      for (const r of page) {
        for (const k of eventPairKeys(decodePayload(r))) if (pending.delete(k)) bounds.get(k)![field] = r.timestamp;
      }
      if (page.length < SCAN_PAGE) break;
      const last = page[page.length - 1]!;
      cursor = { timestamp: last.timestamp, eventId: last.eventId };
    }
  }
  return [...bounds.values()];
}

/**
 * Widens the bounds by events stored after the scan (the caller holds the issue lock, so no more
 * commit meanwhile): `events` are the issue's events received since shortly before the scan.
 */
export function widenSightingBounds(
  bounds: SightingBound[],
  events: Array<{ timestamp: Date; payload: Record<string, unknown> }>,
): void {
  if (bounds.length === 0) return;
  const byPair = new Map(bounds.map((b) => [pairKey(b.kind, b.key, b.value), b]));
  for (const e of events) {
    for (const k of eventPairKeys(e.payload)) {
      const b = byPair.get(k);
      if (!b) continue;
      if (!b.first || e.timestamp < b.first) b.first = e.timestamp;
      if (!b.last || e.timestamp > b.last) b.last = e.timestamp;
    }
  }
}

function pairKey(kind: SightingKind, key: string, value: string): string {
  return `${kind}\u0000${key}\u0000${value}`;
}

function eventPairKeys(payload: Record<string, unknown>): string[] {
  const pairs = payloadSightings(payload);
  return SIGHTING_KINDS.flatMap((kind) => pairs[kind].map(([key, value]) => pairKey(kind, key, value)));
}

async function readPage(
  db: Queryable,
  issueId: string,
  direction: 'ASC' | 'DESC',
  cursor: { timestamp: Date; eventId: string } | null,
) {
  const after = direction === 'ASC' ? '>' : '<';
  const bound = direction === 'ASC' ? '>=' : '<=';
  const { rows } = await db.query<StoredPayload & { timestamp: Date; eventId: string }>(
    `SELECT timestamp, event_id::text AS "eventId", ${PAYLOAD_COLUMNS} FROM events
      WHERE issue_id = $1 ${cursor ? `AND timestamp ${bound} $2 AND (timestamp, event_id) ${after} ($2, $3::uuid)` : ''}
      ORDER BY timestamp ${direction}, event_id ${direction} LIMIT ${SCAN_PAGE}`,
    cursor ? [issueId, cursor.timestamp, cursor.eventId] : [issueId],
  );
  return rows;
}
