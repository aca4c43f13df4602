// Write-side issue queries used by the event pipeline inside its batch transaction: hash locks
// and lookup, short-id allocation, issue creation and the batched counter updates. Read queries
// for the API live in read-queries.ts. Batch forms take row arrays and send them with unnest.
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import type { IssueStatus } from './state.js';

/** 64-bit advisory lock key for a (project, hash) pair. */
export function issueHashLockKey(projectId: string, hash: string): bigint {
  return createHash('sha1').update(`${projectId}:${hash}`).digest().readBigInt64BE(0);
}

/**
 * Takes transaction-scoped advisory locks on (project, hash) pairs in ascending key order, so
 * two workers creating the first issue for one fingerprint serialize and never deadlock.
 */
export async function lockIssueHashes(db: Queryable, pairs: Array<{ projectId: string; hash: string }>): Promise<void> {
  const keys = [...new Set(pairs.map((p) => issueHashLockKey(p.projectId, p.hash)))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  if (keys.length === 0) return;
  // unnest yields rows in array order, so the locks are taken in the sorted order.
  await db.query('SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k', [keys.map(String)]);
}

export interface IssueHashRow {
  projectId: string;
  hash: string;
  issueId: string;
}

export async function findIssueHashes(
  db: Queryable,
  pairs: Array<{ projectId: string; hash: string }>,
): Promise<IssueHashRow[]> {
  if (pairs.length === 0) return [];
  const { rows } = await db.query<{ project_id: string; hash: string; issue_id: string }>(
    `SELECT h.project_id, h.hash, h.issue_id
       FROM issue_hashes h
       JOIN unnest($1::bigint[], $2::text[]) AS u(project_id, hash) ON h.project_id = u.project_id AND h.hash = u.hash`,
    [pairs.map((p) => p.projectId), pairs.map((p) => p.hash)],
  );
  return rows.map((r) => ({ projectId: r.project_id, hash: r.hash, issueId: r.issue_id }));
}

/** Reserves `count` consecutive short ids for a project; null when the project does not exist. */
export async function allocateShortIds(db: Queryable, projectId: string, count: number): Promise<number | null> {
  const { rows } = await db.query<{ first: string }>(
    'UPDATE projects SET next_short_id = next_short_id + $2 WHERE id = $1 RETURNING next_short_id - $2 AS first',
    [projectId, count],
  );
  return rows[0] ? Number(rows[0].first) : null;
}

export interface NewIssueRow {
  projectId: string;
  shortId: number;
  title: string;
  culprit: string;
  type: string;
  level: string;
  platform: string;
  substatus: string;
  metadata: unknown;
  grouping: unknown;
  firstSeen: string;
  lastSeen: string;
  firstRelease: string | null;
}

/**
 * Inserts issues with zero counts (the counter update adds the events) and their grouping
 * explanation (kept in issue_grouping, out of the row the counters update); ids in input order.
 */
export async function insertIssues(db: Queryable, issues: NewIssueRow[]): Promise<string[]> {
  if (issues.length === 0) return [];
  const { rows } = await db.query<{ id: string; project_id: string; short_id: string }>(
    `WITH u AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                            $9::jsonb[], $10::jsonb[], $11::timestamptz[], $12::timestamptz[], $13::text[])
         AS u(project_id, short_id, title, culprit, type, level, platform, substatus,
              metadata, grouping, first_seen, last_seen, first_release)
     ), inserted AS (
       INSERT INTO issues (project_id, short_id, title, culprit, type, level, platform, status, substatus,
                           metadata, first_seen, last_seen, first_release, last_release)
       SELECT project_id, short_id, title, culprit, type, level, platform, 'unresolved', substatus,
              metadata, first_seen, last_seen, first_release, first_release
         FROM u
       RETURNING id, project_id, short_id
     ), explained AS (
       INSERT INTO issue_grouping (issue_id, grouping)
       SELECT inserted.id, u.grouping FROM inserted JOIN u USING (project_id, short_id)
     )
     SELECT id, project_id, short_id FROM inserted`,
    [
      issues.map((i) => i.projectId),
      issues.map((i) => i.shortId),
      issues.map((i) => i.title),
      issues.map((i) => i.culprit),
      issues.map((i) => i.type),
      issues.map((i) => i.level),
      issues.map((i) => i.platform),
      issues.map((i) => i.substatus),
      issues.map((i) => JSON.stringify(i.metadata)),
      issues.map((i) => JSON.stringify(i.grouping)),
      issues.map((i) => i.firstSeen),
      issues.map((i) => i.lastSeen),
      issues.map((i) => i.firstRelease),
    ],
  );
  const byKey = new Map(rows.map((r) => [`${r.project_id}:${r.short_id}`, r.id]));
  return issues.map((i) => byKey.get(`${i.projectId}:${i.shortId}`)!);
}

/** Attaches hashes to issues; a hash already attached keeps its issue. */
export async function insertIssueHashes(db: Queryable, rows: IssueHashRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO issue_hashes (project_id, hash, issue_id)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])
     ON CONFLICT (project_id, hash) DO NOTHING`,
    [rows.map((r) => r.projectId), rows.map((r) => r.hash), rows.map((r) => r.issueId)],
  );
}

export async function deleteIssues(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('DELETE FROM issues WHERE id = ANY($1::bigint[])', [ids]);
}

export interface LockedIssueRow {
  id: string;
  status: IssueStatus;
  substatus: string | null;
  resolvedAt: Date | null;
  resolvedInRelease: string | null;
}

/** Row-locks issues in id order (the counter update follows in the same transaction). */
export async function lockIssues(db: Queryable, ids: string[]): Promise<LockedIssueRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{
    id: string;
    status: IssueStatus;
    substatus: string | null;
    resolved_at: Date | null;
    resolved_in_release: string | null;
  }>(
    `SELECT id, status, substatus, resolved_at, resolved_in_release
       FROM issues WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    substatus: r.substatus,
    resolvedAt: r.resolved_at,
    resolvedInRelease: r.resolved_in_release,
  }));
}

export interface HourlyCountRow {
  issueId: string;
  hour: string;
  count: number;
}

export async function upsertIssueHourlyCounts(db: Queryable, rows: HourlyCountRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO issue_hourly_counts (issue_id, hour, count)
     SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[])
     ON CONFLICT (issue_id, hour) DO UPDATE SET count = issue_hourly_counts.count + excluded.count`,
    [rows.map((r) => r.issueId), rows.map((r) => r.hour), rows.map((r) => r.count)],
  );
}

export interface TagValueRow {
  issueId: string;
  key: string;
  value: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/**
 * Adds tag value counts. Returns, per issue, how many distinct `user` values were seen for the
 * first time (xmax = 0 marks a freshly inserted row), which is what user_count grows by.
 */
export async function upsertIssueTagValues(db: Queryable, rows: TagValueRow[]): Promise<Map<string, number>> {
  if (rows.length === 0) return new Map();
  const { rows: out } = await db.query<{ issue_id: string; new_users: number }>(
    `WITH up AS (
       INSERT INTO issue_tag_values (issue_id, key, value, count, first_seen, last_seen)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::timestamptz[])
       ON CONFLICT (issue_id, key, value) DO UPDATE SET
         count = issue_tag_values.count + excluded.count,
         first_seen = least(issue_tag_values.first_seen, excluded.first_seen),
         last_seen = greatest(issue_tag_values.last_seen, excluded.last_seen)
       RETURNING issue_id, key, xmax = 0 AS inserted)
     SELECT issue_id, count(*)::int AS new_users FROM up WHERE key = 'user' AND inserted GROUP BY issue_id`,
    [
      rows.map((r) => r.issueId),
      rows.map((r) => r.key),
      rows.map((r) => r.value),
      rows.map((r) => r.count),
      rows.map((r) => r.firstSeen),
      rows.map((r) => r.lastSeen),
    ],
  );
  return new Map(out.map((r) => [r.issue_id, r.new_users]));
}

export interface IssueCounterRow {
  issueId: string;
  eventCount: number;
  newUsers: number;
  firstSeen: string;
  lastSeen: string;
  /** From the batch's latest event: applied only when it is at least as new as the issue's last_seen. */
  latest: { title: string; culprit: string; level: string; metadata: unknown; release: string | null };
  firstRelease: string | null;
  status: IssueStatus;
  substatus: string | null;
  resolvedAt: string | null;
  resolvedInRelease: string | null;
}

/** One UPDATE for all issues of a batch: counters add, seen times widen, latest event wins. */
export async function updateIssueCounters(db: Queryable, rows: IssueCounterRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `UPDATE issues i SET
       event_count = i.event_count + u.event_count,
       user_count = i.user_count + u.new_users,
       first_seen = least(i.first_seen, u.first_seen),
       last_seen = greatest(i.last_seen, u.last_seen),
       title = CASE WHEN u.last_seen >= i.last_seen THEN u.title ELSE i.title END,
       culprit = CASE WHEN u.last_seen >= i.last_seen THEN u.culprit ELSE i.culprit END,
       level = CASE WHEN u.last_seen >= i.last_seen THEN u.level ELSE i.level END,
       metadata = CASE WHEN u.last_seen >= i.last_seen THEN u.metadata ELSE i.metadata END,
       last_release = CASE WHEN u.last_seen >= i.last_seen AND u.last_release IS NOT NULL THEN u.last_release ELSE i.last_release END,
       first_release = coalesce(i.first_release, u.first_release),
       status = u.status,
       substatus = u.substatus,
       resolved_at = u.resolved_at,
       resolved_in_release = u.resolved_in_release,
       -- a regression reopens: the release-aware resolution goes with the resolve
       resolved_in_next_release = CASE WHEN u.status = 'resolved' THEN i.resolved_in_next_release ELSE false END,
       resolved_after_release = CASE WHEN u.status = 'resolved' THEN i.resolved_after_release ELSE NULL END
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[],
                 $8::text[], $9::jsonb[], $10::text[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::text[])
       AS u(id, event_count, new_users, first_seen, last_seen, title, culprit, level, metadata, last_release,
            first_release, status, substatus, resolved_at, resolved_in_release)
     WHERE i.id = u.id`,
    [
      rows.map((r) => r.issueId),
      rows.map((r) => r.eventCount),
      rows.map((r) => r.newUsers),
      rows.map((r) => r.firstSeen),
      rows.map((r) => r.lastSeen),
      rows.map((r) => r.latest.title),
      rows.map((r) => r.latest.culprit),
      rows.map((r) => r.latest.level),
      rows.map((r) => JSON.stringify(r.latest.metadata)),
      rows.map((r) => r.latest.release),
      rows.map((r) => r.firstRelease),
      rows.map((r) => r.status),
      rows.map((r) => r.substatus),
      rows.map((r) => r.resolvedAt),
      rows.map((r) => r.resolvedInRelease),
    ],
  );
}
