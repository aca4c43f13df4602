// Issue unmerge, the writes. Start (one short transaction): the hashes move to a new issue at once,
// so from that commit on every new event of them lands there (the split sticks: nothing merges them
// back but an explicit merge). Then batches (one short transaction each, unmerge-runner.ts): the
// source's stored events of those hashes move over (with the user feedback about them), their
// counts (hourly, tag values, feature-flag results) leave the source and join the new issue.
// Locking follows the pipeline's order (hash advisory locks, then issue rows by id, then hourly,
// tag and flag rows), so batches and worker transactions wait for each other, never deadlock.
import type { Queryable } from '../db/pool.js';
import { HttpError } from '../api/errors.js';
import { decodePayload, PAYLOAD_COLUMNS, type StoredPayload } from '../events/payload-codec.js';
import { upsertFlagCounts } from '../flags/queries.js';
import {
  allocateShortIds,
  insertIssues,
  lockIssueHashes,
  lockIssues,
  upsertIssueHourlyCounts,
  upsertIssueTagValues,
} from './queries.js';
import { payloadSightings, subtractSightings, type PairsByKind } from './unmerge-sightings.js';
import { primaryHashOf, tallyMoved, unmergeInProgress, type MovedEvent, type MovedTally } from './unmerge.js';

export interface UnmergeRow {
  id: string;
  projectId: string;
  sourceIssueId: string;
  destinationIssueId: string;
  hashes: string[];
  status: 'running' | 'done';
  eventTotal: number;
  scannedCount: number;
  movedCount: number;
  cursorTimestamp: Date | null;
  cursorEventId: string | null;
  movedFirstSeen: Date | null;
  movedLastSeen: Date | null;
  movedReleases: string[];
  boundaryTags: Array<[string, string]>;
  boundaryFlags: Array<[string, string]>;
  createdAt: Date;
  finishedAt: Date | null;
}

export const UNMERGE_COLUMNS = `id, project_id AS "projectId", source_issue_id AS "sourceIssueId", destination_issue_id AS "destinationIssueId",
  hashes, status, event_total::int AS "eventTotal", scanned_count::int AS "scannedCount", moved_count::int AS "movedCount",
  cursor_timestamp AS "cursorTimestamp", cursor_event_id AS "cursorEventId", moved_first_seen AS "movedFirstSeen",
  moved_last_seen AS "movedLastSeen", moved_releases AS "movedReleases", boundary_tags AS "boundaryTags", boundary_flags AS "boundaryFlags",
  created_at AS "createdAt", finished_at AS "finishedAt"`;

/** What the new issue starts from: the newest stored event of the hashes (read before locking). */
export interface UnmergeSeed {
  timestamp: Date;
  payload: Record<string, unknown>;
}

export async function findUnmergeSeed(db: Queryable, issueId: string, hashes: string[]): Promise<UnmergeSeed | null> {
  const { rows } = await db.query<StoredPayload & { timestamp: Date }>(
    `SELECT timestamp, ${PAYLOAD_COLUMNS} FROM events WHERE issue_id = $1 AND primary_hash = ANY($2::text[]) ORDER BY timestamp DESC LIMIT 1`,
    [issueId, hashes],
  );
  const row = rows[0];
  return row ? { timestamp: row.timestamp, payload: decodePayload(row) } : null;
}

export async function countIssueEvents(db: Queryable, issueId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE issue_id = $1', [
    issueId,
  ]);
  return rows[0]?.n ?? 0;
}

export interface StartUnmergeArgs {
  projectId: string;
  sourceIssueId: string;
  hashes: string[];
  actorUserId: string | null;
  seed: UnmergeSeed | null;
  eventTotal: number;
}

/** The start transaction: validates under the locks, creates the new issue, moves the hashes. */
export async function startUnmerge(
  tx: Queryable,
  args: StartUnmergeArgs,
  plan: (issueHashes: string[]) => string[],
): Promise<UnmergeRow> {
  const { projectId, sourceIssueId } = args;
  await lockIssueHashes(
    tx,
    args.hashes.map((hash) => ({ projectId, hash })),
  );
  const [source] = await lockIssues(tx, [sourceIssueId]);
  if (!source) throw new HttpError(404, 'issue-not-found', 'issue not found');
  if (await hasRunningUnmerge(tx, [sourceIssueId])) throw unmergeInProgress();
  const { rows: own } = await tx.query<{ hash: string }>('SELECT hash FROM issue_hashes WHERE issue_id = $1', [
    sourceIssueId,
  ]);
  const hashes = plan(own.map((r) => r.hash));
  const destinationId = await insertDestination(tx, { ...args, hashes });
  await tx.query(
    'UPDATE issue_hashes SET issue_id = $1 WHERE project_id = $2 AND hash = ANY($3::text[]) AND issue_id = $4',
    [destinationId, projectId, hashes, sourceIssueId],
  );
  const { rows } = await tx.query<UnmergeRow>(
    `INSERT INTO issue_unmerges (project_id, source_issue_id, destination_issue_id, hashes, actor_user_id, event_total, lease_until)
     VALUES ($1, $2, $3, $4, $5, $6, NULL) RETURNING ${UNMERGE_COLUMNS}`,
    [projectId, sourceIssueId, destinationId, hashes, args.actorUserId, args.eventTotal],
  );
  // Sentry's activity types: the source lists its new issue, the new issue names its source.
  await tx.query(
    `INSERT INTO issue_activities (issue_id, user_id, kind, data) VALUES
       ($1::bigint, $3::bigint, 'unmerge_destination', jsonb_build_object('issues', jsonb_build_array(jsonb_build_object('id', $2::bigint::text)), 'fingerprints', $4::jsonb)),
       ($2::bigint, $3::bigint, 'unmerge_source', jsonb_build_object('issues', jsonb_build_array(jsonb_build_object('id', $1::bigint::text)), 'fingerprints', $4::jsonb))`,
    [sourceIssueId, destinationId, args.actorUserId, JSON.stringify(hashes)],
  );
  return rows[0]!;
}

/** Whether an unmerge is running from or into any of these issues (their counters are in flux). */
export async function hasRunningUnmerge(db: Queryable, issueIds: string[]): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM issue_unmerges WHERE status = 'running' AND (source_issue_id = ANY($1::bigint[]) OR destination_issue_id = ANY($1::bigint[])) LIMIT 1`,
    [issueIds],
  );
  return rows.length > 0;
}

/** The new issue: title, level and so on from the newest event of the hashes (else the source's), no counts yet. */
async function insertDestination(tx: Queryable, args: StartUnmergeArgs): Promise<string> {
  const { rows } = await tx.query<{
    title: string;
    culprit: string;
    type: string;
    level: string;
    platform: string;
    metadata: unknown;
    lastSeen: string;
    grouping: Record<string, unknown> | null;
  }>(
    `SELECT title, culprit, type, level, platform, metadata, last_seen AS "lastSeen", g.grouping
       FROM issues i LEFT JOIN issue_grouping g ON g.issue_id = i.id WHERE i.id = $1`,
    [args.sourceIssueId],
  );
  const src = rows[0]!;
  const p = args.seed?.payload ?? {};
  const text = (v: unknown, fallback: string) => (typeof v === 'string' && v !== '' ? v : fallback);
  const seen = args.seed ? args.seed.timestamp.toISOString() : new Date(src.lastSeen).toISOString();
  const variants = Array.isArray(src.grouping?.variants)
    ? (src.grouping.variants as Array<{ hash?: unknown }>).filter((v) => args.hashes.includes(String(v.hash)))
    : [];
  const shortId = await allocateShortIds(tx, args.projectId, 1);
  if (shortId === null) throw new HttpError(404, 'project-not-found', 'project not found');
  const [id] = await insertIssues(tx, [
    {
      projectId: args.projectId,
      shortId,
      title: text(p.title, src.title),
      culprit: text(p.culprit, src.culprit),
      type: text(p.type, src.type),
      level: text(p.level, src.level),
      platform: text(p.platform, src.platform),
      substatus: 'new',
      metadata: p.metadata && typeof p.metadata === 'object' ? p.metadata : src.metadata,
      grouping: { basis: src.grouping?.basis ?? 'unmerge', hashes: args.hashes, variants },
      firstSeen: seen,
      lastSeen: seen,
      firstRelease: null,
    },
  ]);
  return id!;
}

interface ScannedRow extends StoredPayload {
  timestamp: Date;
  eventId: string;
  primaryHash: string | null;
  release: string | null;
}

export interface BatchResult {
  scanned: number;
  moved: number;
  /** The scan reached the end of the source's events. */
  scanDone: boolean;
}

/**
 * One batch: the next `limit` events of the source (by timestamp, then id) are read; those of the
 * unmerged hashes move with their counts. The cursor and progress advance in the same transaction,
 * so a crash repeats nothing and loses nothing.
 */
export async function runUnmergeBatch(
  tx: Queryable,
  unmergeId: string,
  limit: number,
  leaseMs: number,
): Promise<BatchResult | null> {
  const { rows: found } = await tx.query<UnmergeRow>(
    `SELECT ${UNMERGE_COLUMNS} FROM issue_unmerges WHERE id = $1 AND status = 'running' FOR UPDATE`,
    [unmergeId],
  );
  const u = found[0];
  if (!u) return null;
  const { sourceIssueId: src, destinationIssueId: dst } = u;
  await lockIssues(tx, [src, dst]);
  const { rows } = await tx.query<ScannedRow>(
    `SELECT timestamp, event_id::text AS "eventId", primary_hash AS "primaryHash", release,
            CASE WHEN primary_hash IS NULL OR primary_hash = ANY($5::text[]) THEN payload_z END AS "payloadZ",
            CASE WHEN primary_hash IS NULL OR primary_hash = ANY($5::text[]) THEN payload END AS "payloadJson"
       FROM events
      WHERE issue_id = $1 AND timestamp >= $2 AND (timestamp, event_id) > ($2, $3::uuid)
      ORDER BY timestamp, event_id LIMIT $4`,
    [src, u.cursorTimestamp ?? '-infinity', u.cursorEventId ?? '00000000-0000-0000-0000-000000000000', limit, u.hashes],
  );
  const hashes = new Set(u.hashes);
  const moved: MovedEvent[] = [];
  for (const r of rows) {
    if (r.payloadZ === null && r.payloadJson === null) continue;
    const payload = decodePayload(r);
    if (!hashes.has(primaryHashOf(r.primaryHash, payload) ?? '')) continue;
    moved.push({ eventId: r.eventId, timestamp: r.timestamp, release: r.release, ...payloadSightings(payload) });
  }
  const t = tallyMoved(moved);
  let boundary: PairsByKind = { tags: [], flags: [] };
  if (t) {
    await tx.query(
      `UPDATE events SET issue_id = $1 WHERE project_id = $2 AND issue_id = $3
          AND (event_id, timestamp) IN (SELECT * FROM unnest($4::uuid[], $5::timestamptz[]))`,
      [dst, u.projectId, src, moved.map((e) => e.eventId), moved.map((e) => e.timestamp)],
    );
    // Feedback about a moved event follows it (as Sentry's unmerge moves user reports).
    await tx.query(
      'UPDATE user_feedback SET issue_id = $1 WHERE project_id = $2 AND issue_id = $3 AND event_id = ANY($4::uuid[])',
      [dst, u.projectId, src, moved.map((e) => e.eventId)],
    );
    boundary = await subtractFromSource(tx, src, t);
    await addToDestination(tx, dst, t);
  }
  const last = rows[rows.length - 1];
  await tx.query(
    `UPDATE issue_unmerges SET
       scanned_count = scanned_count + $2, moved_count = moved_count + $3,
       cursor_timestamp = coalesce($4, cursor_timestamp), cursor_event_id = coalesce($5::uuid, cursor_event_id),
       moved_first_seen = least(moved_first_seen, $6), moved_last_seen = greatest(moved_last_seen, $7),
       moved_releases = ARRAY(SELECT DISTINCT unnest(moved_releases || $8::text[]) ORDER BY 1),
       boundary_tags = (SELECT coalesce(jsonb_agg(DISTINCT x), '[]') FROM jsonb_array_elements(boundary_tags || $9::jsonb) x),
       boundary_flags = (SELECT coalesce(jsonb_agg(DISTINCT x), '[]') FROM jsonb_array_elements(boundary_flags || $10::jsonb) x),
       lease_until = now() + make_interval(secs => $11::double precision / 1000)
     WHERE id = $1`,
    [
      unmergeId,
      rows.length,
      moved.length,
      last?.timestamp ?? null,
      last?.eventId ?? null,
      t?.firstSeen ?? null,
      t?.lastSeen ?? null,
      t?.releases ?? [],
      JSON.stringify(boundary.tags),
      JSON.stringify(boundary.flags),
      leaseMs,
    ],
  );
  return { scanned: rows.length, moved: moved.length, scanDone: rows.length < limit };
}

/**
 * Takes the moved events' counts off the source. Returns the tag values and flag results still on
 * the source whose first or last sighting was a moved event: their bounds are recomputed when the
 * unmerge finishes.
 */
async function subtractFromSource(tx: Queryable, issueId: string, t: MovedTally): Promise<PairsByKind> {
  const hours = t.hourly.map((h) => h.hour);
  await tx.query(
    `UPDATE issue_hourly_counts h SET count = h.count - u.count
       FROM unnest($2::timestamptz[], $3::bigint[]) AS u(hour, count) WHERE h.issue_id = $1 AND h.hour = u.hour`,
    [issueId, hours, t.hourly.map((h) => h.count)],
  );
  await tx.query(
    'DELETE FROM issue_hourly_counts WHERE issue_id = $1 AND hour = ANY($2::timestamptz[]) AND count <= 0',
    [issueId, hours],
  );
  // Lock order as the pipeline's count stage: hourly, tag, then flag rows.
  const tags = await subtractSightings(tx, 'tags', issueId, t.tags);
  const flags = await subtractSightings(tx, 'flags', issueId, t.flags);
  await tx.query(
    `UPDATE issues SET event_count = event_count - $2,
       user_count = (SELECT count(*) FROM issue_tag_values WHERE issue_id = $1 AND key = 'user') WHERE id = $1`,
    [issueId, t.count],
  );
  return { tags, flags };
}

/** Adds the moved events' counts to the new issue, as the pipeline's count stage would. */
async function addToDestination(tx: Queryable, issueId: string, t: MovedTally): Promise<void> {
  await upsertIssueHourlyCounts(
    tx,
    t.hourly.map((h) => ({ issueId, ...h })),
  );
  await upsertIssueTagValues(
    tx,
    t.tags.map((x) => ({ issueId, ...x })),
  );
  await upsertFlagCounts(tx, {
    issueValues: t.flags.map((x) => ({
      issueId,
      flag: x.key,
      result: x.value,
      count: x.count,
      firstSeen: x.firstSeen,
      lastSeen: x.lastSeen,
    })),
    projectHours: [], // the project's baseline counts every event once, whichever issue holds it
    projectMinutes: [],
    eventMinutes: [],
  });
  await tx.query(
    `UPDATE issues SET event_count = event_count + $2,
       user_count = (SELECT count(*) FROM issue_tag_values WHERE issue_id = $1 AND key = 'user'),
       first_seen = least(first_seen, $3), last_seen = greatest(last_seen, $4) WHERE id = $1`,
    [issueId, t.count, t.firstSeen, t.lastSeen],
  );
}
