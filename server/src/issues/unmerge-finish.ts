// Issue unmerge, the last step once every event has moved: bounds that cannot be subtracted
// (first/last seen, first/last release, the first/last sighting of a tag value or flag result)
// are recomputed from the stored events where a moved event held them, for the source; the new
// issue takes all of them from its events. Sightings need the payloads, so they are looked up
// before the closing transaction, page by page, without holding locks.
import type { Pool, Queryable } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import { decodePayload, PAYLOAD_COLUMNS, type StoredPayload } from '../events/payload-codec.js';
import { lockIssues } from './queries.js';
import { UNMERGE_COLUMNS, type UnmergeRow } from './unmerge-queries.js';
import {
  scanSightingBounds,
  updateSightingBounds,
  widenSightingBounds,
  type SightingBound,
} from './unmerge-sightings.js';

export async function finishUnmerge(pool: Pool, unmergeId: string): Promise<boolean> {
  const { rows } = await pool.query<UnmergeRow>(
    `SELECT ${UNMERGE_COLUMNS} FROM issue_unmerges WHERE id = $1 AND status = 'running'`,
    [unmergeId],
  );
  const u = rows[0];
  if (!u) return false;
  const bounds = await scanSightingBounds(pool, u.sourceIssueId, { tags: u.boundaryTags, flags: u.boundaryFlags });
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

async function repairSource(tx: Queryable, u: UnmergeRow, bounds: SightingBound[]): Promise<void> {
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
  await updateSightingBounds(tx, u.sourceIssueId, bounds);
}

/** How far before the unmerge began an event may have been received and still be stored after the scan. */
const LATE_EVENT_WINDOW_MS = 10 * 60_000;

/**
 * The bounds were scanned before this transaction; an event of the source stored since then (its
 * hash stays) can hold a newer sighting the scan missed. With the issues locked no event commits
 * now, so the source's events received since shortly before the unmerge began widen the bounds.
 */
async function widenByRecentEvents(tx: Queryable, u: UnmergeRow, bounds: SightingBound[]): Promise<void> {
  if (bounds.length === 0) return;
  const { rows } = await tx.query<StoredPayload & { timestamp: Date }>(
    `SELECT timestamp, ${PAYLOAD_COLUMNS} FROM events WHERE issue_id = $1 AND received_at >= $2`,
    [u.sourceIssueId, new Date(u.createdAt.getTime() - LATE_EVENT_WINDOW_MS)],
  );
  widenSightingBounds(
    bounds,
    rows.map((r) => ({ timestamp: r.timestamp, payload: decodePayload(r) })),
  );
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
