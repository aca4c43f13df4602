// Issue unmerge, the last step once every event has moved: bounds that cannot be subtracted
// (first/last seen, first/last release, the first/last sighting of a tag value) are recomputed
// from the stored events where a moved event held them, for the source; the new issue takes all
// of them from its events. Tag sightings need the payloads, so they are looked up before the
// closing transaction, page by page, without holding locks.
import type { Pool, Queryable } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import { decodePayload, PAYLOAD_COLUMNS, type StoredPayload } from '../events/payload-codec.js';
import { lockIssues } from './queries.js';
import { payloadTags } from './unmerge.js';
import { UNMERGE_COLUMNS, type UnmergeRow } from './unmerge-queries.js';

const SCAN_PAGE = 500;

interface TagBound {
  key: string;
  value: string;
  first: Date | null;
  last: Date | null;
}

export async function finishUnmerge(pool: Pool, unmergeId: string): Promise<boolean> {
  const { rows } = await pool.query<UnmergeRow>(
    `SELECT ${UNMERGE_COLUMNS} FROM issue_unmerges WHERE id = $1 AND status = 'running'`,
    [unmergeId],
  );
  const u = rows[0];
  if (!u) return false;
  const bounds = await scanTagBounds(pool, u.sourceIssueId, u.boundaryTags);
  return withTransaction(pool, async (tx) => {
    const { rows: still } = await tx.query(
      `SELECT 1 FROM issue_unmerges WHERE id = $1 AND status = 'running' FOR UPDATE`,
      [unmergeId],
    );
    if (still.length === 0) return false;
    await lockIssues(tx, [u.sourceIssueId, u.destinationIssueId]);
    await repairSource(tx, u, bounds);
    await repairDestination(tx, u);
    await tx.query(`UPDATE issue_unmerges SET status = 'done', finished_at = now(), lease_until = NULL WHERE id = $1`, [
      unmergeId,
    ]);
    return true;
  });
}

async function repairSource(tx: Queryable, u: UnmergeRow, bounds: TagBound[]): Promise<void> {
  if (u.movedFirstSeen && u.movedLastSeen) {
    await tx.query(
      `UPDATE issues i SET
         first_seen = CASE WHEN i.first_seen >= $2 THEN coalesce((SELECT min(timestamp) FROM events WHERE issue_id = $1), i.first_seen) ELSE i.first_seen END,
         last_seen = CASE WHEN i.last_seen <= $3 THEN coalesce((SELECT max(timestamp) FROM events WHERE issue_id = $1), i.last_seen) ELSE i.last_seen END,
         first_release = CASE WHEN i.first_release = ANY($4::text[]) THEN ${EARLIEST_RELEASE} ELSE i.first_release END,
         last_release = CASE WHEN i.last_release = ANY($4::text[]) THEN ${LATEST_RELEASE} ELSE i.last_release END
       WHERE i.id = $1`,
      [u.sourceIssueId, u.movedFirstSeen, u.movedLastSeen, u.movedReleases],
    );
  }
  await widenByRecentEvents(tx, u, bounds);
  const found = bounds.filter((b) => b.first && b.last);
  if (found.length === 0) return;
  await tx.query(
    `UPDATE issue_tag_values v SET first_seen = u.first_seen, last_seen = greatest(u.last_seen, u.first_seen)
       FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS u(key, value, first_seen, last_seen)
      WHERE v.issue_id = $1 AND v.key = u.key AND v.value = u.value`,
    [
      u.sourceIssueId,
      found.map((b) => b.key),
      found.map((b) => b.value),
      found.map((b) => b.first),
      found.map((b) => b.last),
    ],
  );
}

/** How far before the unmerge began an event may have been received and still be stored after the scan. */
const LATE_EVENT_WINDOW_MS = 10 * 60_000;

/**
 * The bounds were scanned before this transaction; an event of the source stored since then (its
 * hash stays) can hold a newer sighting the scan missed. With the issues locked no event commits
 * now, so the source's events received since shortly before the unmerge began widen the bounds.
 */
async function widenByRecentEvents(tx: Queryable, u: UnmergeRow, bounds: TagBound[]): Promise<void> {
  if (bounds.length === 0) return;
  const byTag = new Map(bounds.map((b) => [`${b.key}\u0000${b.value}`, b]));
  const { rows } = await tx.query<StoredPayload & { timestamp: Date }>(
    `SELECT timestamp, ${PAYLOAD_COLUMNS} FROM events WHERE issue_id = $1 AND received_at >= $2`,
    [u.sourceIssueId, new Date(u.createdAt.getTime() - LATE_EVENT_WINDOW_MS)],
  );
  for (const r of rows) {
    for (const [key, value] of payloadTags(decodePayload(r))) {
      const b = byTag.get(`${key}\u0000${value}`);
      if (!b) continue;
      if (!b.first || r.timestamp < b.first) b.first = r.timestamp;
      if (!b.last || r.timestamp > b.last) b.last = r.timestamp;
    }
  }
}

const EARLIEST_RELEASE = `(SELECT release FROM events WHERE issue_id = i.id AND release IS NOT NULL ORDER BY timestamp, event_id LIMIT 1)`;
const LATEST_RELEASE = `(SELECT release FROM events WHERE issue_id = i.id AND release IS NOT NULL ORDER BY timestamp DESC, event_id DESC LIMIT 1)`;

/** The new issue's bounds come from its events (moved ones and those that arrived since the start). */
async function repairDestination(tx: Queryable, u: UnmergeRow): Promise<void> {
  const { rows } = await tx.query<{ firstRelease: string | null }>(
    `UPDATE issues i SET
       first_seen = coalesce((SELECT min(timestamp) FROM events WHERE issue_id = $1), i.first_seen),
       last_seen = coalesce((SELECT max(timestamp) FROM events WHERE issue_id = $1), i.last_seen),
       first_release = ${EARLIEST_RELEASE},
       last_release = ${LATEST_RELEASE}
     WHERE i.id = $1 RETURNING first_release AS "firstRelease"`,
    [u.destinationIssueId],
  );
  // A new issue in the release of its first event, as the pipeline counts them.
  const release = rows[0]?.firstRelease;
  if (release) {
    await tx.query(
      `UPDATE release_projects rp SET new_issue_count = new_issue_count + 1
         FROM releases r WHERE r.id = rp.release_id AND rp.project_id = $1 AND r.version = $2`,
      [u.projectId, release],
    );
  }
}

/** First and last sighting of each tag value among the issue's stored events (null: none stored). */
export async function scanTagBounds(
  db: Queryable,
  issueId: string,
  tags: Array<[string, string]>,
): Promise<TagBound[]> {
  const bounds = new Map(
    tags.map(([key, value]) => [
      `${key}\u0000${value}`,
      { key, value, first: null as Date | null, last: null as Date | null },
    ]),
  );
  if (bounds.size === 0) return [];
  for (const direction of ['ASC', 'DESC'] as const) {
    const pending = new Set(bounds.keys());
    const field = direction === 'ASC' ? 'first' : 'last';
    let cursor: { timestamp: Date; eventId: string } | null = null;
    while (pending.size > 0) {
      const page = await readPage(db, issueId, direction, cursor);
      for (const r of page) {
        for (const [key, value] of payloadTags(decodePayload(r))) {
          const k = `${key}\u0000${value}`;
          if (pending.delete(k)) bounds.get(k)![field] = r.timestamp;
        }
      }
      if (page.length < SCAN_PAGE) break;
      const last = page[page.length - 1]!;
      cursor = { timestamp: last.timestamp, eventId: last.eventId };
    }
  }
  return [...bounds.values()];
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
