// Read side of issues for the API: keyset-paginated search, single lookups (by id or short id,
// always through a membership join), hourly stats, tag distributions and hashes. The worker's
// writes live in queries.ts; triage writes in update-queries.ts.
import type { Queryable } from '../db/pool.js';
import type { Cursor } from '../api/pagination.js';
import type { IssueSearch } from './search.js';
import { binder, searchConditions } from './search-sql.js';

export type IssueSort = 'date' | 'new' | 'freq' | 'user';

export interface IssueRow {
  id: string;
  projectId: string;
  shortId: string;
  title: string;
  culprit: string;
  type: string;
  level: string;
  platform: string;
  status: 'unresolved' | 'resolved' | 'ignored';
  substatus: string | null;
  statusDetails: Record<string, unknown>;
  metadata: Record<string, unknown>;
  grouping: Record<string, unknown>;
  firstSeen: Date;
  lastSeen: Date;
  eventCount: string;
  userCount: string;
  firstRelease: string | null;
  lastRelease: string | null;
  resolvedAt: Date | null;
  resolvedInRelease: string | null;
  resolvedInNextRelease: boolean;
  project: { id: string; slug: string; name: string; platform: string | null; shortIdPrefix: string };
  organization: { id: string; slug: string };
  assignee: IssueAssignee | null;
}

/** A person or a team (issues.assignee_user_id / assignee_team_id, at most one is set). */
export type IssueAssignee =
  { type: 'user'; id: string; email: string; name: string } | { type: 'team'; id: string; slug: string; name: string };

interface FlatIssueRow extends Omit<IssueRow, 'project' | 'organization' | 'assignee'> {
  projectSlug: string;
  projectName: string;
  projectPlatform: string | null;
  shortIdPrefix: string;
  organizationId: string;
  organizationSlug: string;
  assigneeId: string | null;
  assigneeEmail: string | null;
  assigneeName: string | null;
  assigneeTeamId: string | null;
  assigneeTeamSlug: string | null;
  assigneeTeamName: string | null;
}

const ISSUE_SELECT = `
  SELECT i.id, i.project_id AS "projectId", i.short_id AS "shortId", i.title, i.culprit, i.type, i.level,
    i.platform, i.status, i.substatus, i.status_details AS "statusDetails", i.metadata, coalesce(ig.grouping, '{}'::jsonb) AS grouping,
    i.first_seen AS "firstSeen", i.last_seen AS "lastSeen", i.event_count AS "eventCount",
    i.user_count AS "userCount", i.first_release AS "firstRelease", i.last_release AS "lastRelease",
    i.resolved_at AS "resolvedAt", i.resolved_in_release AS "resolvedInRelease",
    i.resolved_in_next_release AS "resolvedInNextRelease",
    p.slug AS "projectSlug", p.name AS "projectName", p.platform AS "projectPlatform",
    p.short_id_prefix AS "shortIdPrefix", o.id AS "organizationId", o.slug AS "organizationSlug",
    au.id AS "assigneeId", au.email AS "assigneeEmail", au.name AS "assigneeName",
    ateam.id AS "assigneeTeamId", ateam.slug AS "assigneeTeamSlug", ateam.name AS "assigneeTeamName"`;

const ISSUE_FROM = `
  FROM issues i
  JOIN projects p ON p.id = i.project_id
  JOIN organizations o ON o.id = p.organization_id
  LEFT JOIN users au ON au.id = i.assignee_user_id
  LEFT JOIN teams ateam ON ateam.id = i.assignee_team_id
  LEFT JOIN issue_grouping ig ON ig.issue_id = i.id`;

function toIssueRow(r: FlatIssueRow): IssueRow {
  const {
    projectSlug,
    projectName,
    projectPlatform,
    shortIdPrefix,
    organizationId,
    organizationSlug,
    assigneeId,
    assigneeEmail,
    assigneeName,
    assigneeTeamId,
    assigneeTeamSlug,
    assigneeTeamName,
    ...issue
  } = r;
  return {
    ...issue,
    project: { id: r.projectId, slug: projectSlug, name: projectName, platform: projectPlatform, shortIdPrefix },
    organization: { id: organizationId, slug: organizationSlug },
    assignee: assigneeId
      ? { type: 'user', id: assigneeId, email: assigneeEmail ?? '', name: assigneeName ?? '' }
      : assigneeTeamId
        ? { type: 'team', id: assigneeTeamId, slug: assigneeTeamSlug ?? '', name: assigneeTeamName ?? '' }
        : null,
  };
}

/** Each sort: the ordered column, its integer cursor key, and the key turned back into a value. */
const SORTS: Record<IssueSort, { column: string; key: string; fromKey: (param: string) => string }> = {
  date: {
    column: 'i.last_seen',
    key: `(extract(epoch FROM i.last_seen) * 1000000)::bigint`,
    fromKey: microsToTimestamp,
  },
  new: {
    column: 'i.first_seen',
    key: `(extract(epoch FROM i.first_seen) * 1000000)::bigint`,
    fromKey: microsToTimestamp,
  },
  freq: { column: 'i.event_count', key: 'i.event_count', fromKey: (p) => `${p}::bigint` },
  user: { column: 'i.user_count', key: 'i.user_count', fromKey: (p) => `${p}::bigint` },
};

function microsToTimestamp(param: string): string {
  return `('epoch'::timestamptz + ${param}::bigint * interval '1 microsecond')`;
}

export interface ListIssuesArgs {
  projectIds: string[];
  search: IssueSearch;
  sort: IssueSort;
  cursor: Cursor | null;
  /** Rows to fetch: the page size + 1, so the caller knows whether there is more. */
  fetch: number;
  callerUserId: string;
  lastSeenSince?: Date;
}

type IssueFilter = Pick<ListIssuesArgs, 'projectIds' | 'search' | 'callerUserId' | 'lastSeenSince'>;

function filterConditions(args: IssueFilter, bind: ReturnType<typeof binder>): string[] {
  const where = [projectCondition(args.projectIds, bind), ...searchConditions(args.search, bind, args.callerUserId)];
  if (args.lastSeenSince) where.push(`i.last_seen >= ${bind(args.lastSeenSince)}`);
  return where;
}

/**
 * One project is compared with `=`: with `= ANY(array)` Postgres 15 cannot read the (project,
 * status, sort column) indexes in order, so a page of 25 read and sorted every issue of the project
 * (docs/scaling.md, "The read path at scale").
 */
function projectCondition(projectIds: string[], bind: ReturnType<typeof binder>): string {
  return projectIds.length === 1
    ? `i.project_id = ${bind(projectIds[0])}::bigint`
    : `i.project_id = ANY(${bind(projectIds)}::bigint[])`;
}

/** Issues matching a search, in the cursor's direction (reversed for `prev`), with their sort key. */
export async function listIssues(db: Queryable, args: ListIssuesArgs): Promise<Array<IssueRow & { sortKey: string }>> {
  if (args.projectIds.length === 0) return [];
  const params: unknown[] = [];
  const bind = binder(params);
  const sort = SORTS[args.sort];
  const where = filterConditions(args, bind);
  const backwards = args.cursor?.direction === 'prev';
  if (args.cursor) {
    where.push(
      `(${sort.column}, i.id) ${backwards ? '>' : '<'} (${sort.fromKey(bind(args.cursor.key))}, ${bind(args.cursor.id)}::bigint)`,
    );
  }
  const dir = backwards ? 'ASC' : 'DESC';
  const { rows } = await db.query<FlatIssueRow & { sortKey: string }>(
    `${ISSUE_SELECT}, ${sort.key} AS "sortKey" ${ISSUE_FROM}
     WHERE ${where.join(' AND ')}
     ORDER BY ${sort.column} ${dir}, i.id ${dir}
     LIMIT ${bind(args.fetch)}`,
    params,
  );
  return rows.map((r) => ({ ...toIssueRow(r), sortKey: r.sortKey }));
}

/** How many issues a search matches, counted only up to `max` so it stays cheap (X-Hits). */
export async function countIssues(db: Queryable, args: IssueFilter & { max: number }): Promise<number> {
  if (args.projectIds.length === 0) return 0;
  const params: unknown[] = [];
  const bind = binder(params);
  const where = filterConditions(args, bind);
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM issues i JOIN projects p ON p.id = i.project_id
       WHERE ${where.join(' AND ')} LIMIT ${bind(args.max)}) matched`,
    params,
  );
  return rows[0]!.n;
}

/** The issues a search matches in the given projects (for bulk updates), at most `limit`. */
export async function listIssueIdsMatching(
  db: Queryable,
  args: { projectIds: string[]; search: IssueSearch; callerUserId: string; ids?: string[]; limit: number },
): Promise<Array<{ id: string; projectId: string; eventCount: string }>> {
  const params: unknown[] = [];
  const bind = binder(params);
  const where = [
    `i.project_id = ANY(${bind(args.projectIds)}::bigint[])`,
    ...searchConditions(args.search, bind, args.callerUserId),
  ];
  if (args.ids) where.push(`i.id = ANY(${bind(args.ids)}::bigint[])`);
  const { rows } = await db.query<{ id: string; projectId: string; eventCount: string }>(
    `SELECT i.id, i.project_id AS "projectId", i.event_count AS "eventCount" FROM issues i JOIN projects p ON p.id = i.project_id
     WHERE ${where.join(' AND ')} ORDER BY i.last_seen DESC, i.id DESC LIMIT ${bind(args.limit)}`,
    params,
  );
  return rows;
}

export type IssueRef = { kind: 'id'; id: string } | { kind: 'shortId'; prefix: string; number: string };

/** An issue the user can see (member of its organization), by numeric id or short id. */
export async function findIssueForMember(
  db: Queryable,
  args: { userId: string; ref: IssueRef; organizationSlug?: string },
): Promise<(IssueRow & { role: 'owner' | 'admin' | 'member' }) | null> {
  const params: unknown[] = [];
  const bind = binder(params);
  const where = [`m.user_id = ${bind(args.userId)}`];
  if (args.ref.kind === 'id') where.push(`i.id = ${bind(args.ref.id)}::bigint`);
  else where.push(`p.short_id_prefix = ${bind(args.ref.prefix)}`, `i.short_id = ${bind(args.ref.number)}::bigint`);
  if (args.organizationSlug !== undefined) where.push(`o.slug = ${bind(args.organizationSlug)}`);
  const { rows } = await db.query<FlatIssueRow & { role: 'owner' | 'admin' | 'member' }>(
    `${ISSUE_SELECT}, m.role ${ISSUE_FROM}
     JOIN memberships m ON m.organization_id = o.id
     WHERE ${where.join(' AND ')} ORDER BY i.id LIMIT 1`,
    params,
  );
  const r = rows[0];
  return r ? { ...toIssueRow(r), role: r.role } : null;
}

export interface StatBucketRow {
  issueId: string;
  bucket: number; // unix seconds at the start of the hour/day (UTC)
  count: number;
}

export async function listIssueStats(
  db: Queryable,
  args: { issueIds: string[]; since: Date; bucket: 'hour' | 'day' },
): Promise<StatBucketRow[]> {
  if (args.issueIds.length === 0) return [];
  const { rows } = await db.query<{ issueId: string; bucket: string; count: string }>(
    `SELECT issue_id AS "issueId", extract(epoch FROM date_trunc($3, hour, 'UTC'))::bigint AS bucket, sum(count)::bigint AS count
     FROM issue_hourly_counts WHERE issue_id = ANY($1::bigint[]) AND hour >= $2
     GROUP BY 1, 2`,
    [args.issueIds, args.since, args.bucket],
  );
  return rows.map((r) => ({ issueId: r.issueId, bucket: Number(r.bucket), count: Number(r.count) }));
}

export interface ReleaseRefRow {
  version: string;
  createdAt: Date;
  dateReleased: Date | null;
}

export async function listReleasesByVersion(
  db: Queryable,
  organizationId: string,
  versions: string[],
): Promise<ReleaseRefRow[]> {
  if (versions.length === 0) return [];
  const { rows } = await db.query<ReleaseRefRow>(
    `SELECT version, created_at AS "createdAt", date_released AS "dateReleased"
     FROM releases WHERE organization_id = $1 AND version = ANY($2::text[])`,
    [organizationId, versions],
  );
  return rows;
}

/** Each project's newest release (by creation), for "resolve in next release" / "latest". */
export async function listLatestReleaseVersions(db: Queryable, projectIds: string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ projectId: string; version: string }>(
    `SELECT DISTINCT ON (rp.project_id) rp.project_id AS "projectId", r.version
     FROM release_projects rp JOIN releases r ON r.id = rp.release_id
     WHERE rp.project_id = ANY($1::bigint[])
     ORDER BY rp.project_id, r.created_at DESC, r.id DESC`,
    [projectIds],
  );
  return new Map(rows.map((r) => [r.projectId, r.version]));
}

/** The issues among `issueIds` with at least one unhandled event (tag handled:no). */
export async function listUnhandledIssueIds(db: Queryable, issueIds: string[]): Promise<Set<string>> {
  if (issueIds.length === 0) return new Set();
  const { rows } = await db.query<{ issueId: string }>(
    `SELECT issue_id AS "issueId" FROM issue_tag_values WHERE issue_id = ANY($1::bigint[]) AND key = 'handled' AND value = 'no'`,
    [issueIds],
  );
  return new Set(rows.map((r) => r.issueId));
}

export interface TagKeyRow {
  key: string;
  totalValues: number;
  uniqueValues: number;
}

export async function listIssueTagKeys(db: Queryable, issueId: string): Promise<TagKeyRow[]> {
  const { rows } = await db.query<{ key: string; totalValues: string; uniqueValues: string }>(
    `SELECT key, sum(count)::bigint AS "totalValues", count(*)::bigint AS "uniqueValues"
     FROM issue_tag_values WHERE issue_id = $1 GROUP BY key ORDER BY key`,
    [issueId],
  );
  return rows.map((r) => ({ key: r.key, totalValues: Number(r.totalValues), uniqueValues: Number(r.uniqueValues) }));
}

export interface TagValueRow {
  key: string;
  value: string;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
}

/**
 * The most frequent values per key (all keys, or only `key`), at most `perKey` each. Per key a
 * bounded top-N (LIMIT) rather than ranking every row: a hot issue holds tens of thousands of
 * values (users, URLs), and sorting them all by key, count and value was most of its tags page.
 */
export async function listTopIssueTagValues(
  db: Queryable,
  args: { issueId: string; key?: string; perKey: number },
): Promise<TagValueRow[]> {
  const { rows } = await db.query<Omit<TagValueRow, 'count'> & { count: string }>(
    `WITH keys AS (SELECT DISTINCT key FROM issue_tag_values WHERE issue_id = $1 AND ($2::text IS NULL OR key = $2))
     SELECT top.key, top.value, top.count, top.first_seen AS "firstSeen", top.last_seen AS "lastSeen"
       FROM keys CROSS JOIN LATERAL (
         SELECT v.key, v.value, v.count, v.first_seen, v.last_seen FROM issue_tag_values v
          WHERE v.issue_id = $1 AND v.key = keys.key ORDER BY v.count DESC, v.value LIMIT $3
       ) top
      ORDER BY top.key, top.count DESC, top.value`,
    [args.issueId, args.key ?? null, args.perKey],
  );
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

export async function listIssueHashes(db: Queryable, issueId: string): Promise<string[]> {
  const { rows } = await db.query<{ hash: string }>(
    'SELECT hash FROM issue_hashes WHERE issue_id = $1 ORDER BY created_at, hash',
    [issueId],
  );
  return rows.map((r) => r.hash);
}

export interface IssueHashSummary {
  hash: string;
  /** Among the issue's latest HASH_SAMPLE events: how many have this primary hash, and the newest one's title and time. */
  recentEvents: number;
  title: string | null;
  lastSeen: Date | null;
}

/** Bound on the events a hash summary reads: the page stays fast on an issue of millions of events. */
export const HASH_SAMPLE = 10_000;

/** The issue's hashes with what its recent events say about each (what an unmerge would take away). */
export async function listIssueHashSummaries(db: Queryable, issueId: string): Promise<IssueHashSummary[]> {
  const { rows } = await db.query<IssueHashSummary>(
    `WITH recent AS (SELECT primary_hash, title, timestamp FROM events WHERE issue_id = $1 ORDER BY timestamp DESC LIMIT ${HASH_SAMPLE})
     SELECT h.hash, count(r.timestamp)::int AS "recentEvents", (array_agg(r.title ORDER BY r.timestamp DESC))[1] AS title, max(r.timestamp) AS "lastSeen"
       FROM issue_hashes h LEFT JOIN recent r ON r.primary_hash = h.hash
      WHERE h.issue_id = $1 GROUP BY h.hash ORDER BY min(h.created_at), h.hash`,
    [issueId],
  );
  return rows;
}

/** The issue a merged-away issue now lives in, or null. */
export async function findIssueRedirect(db: Queryable, previousIssueId: string): Promise<string | null> {
  const { rows } = await db.query<{ issue_id: string }>(
    'SELECT issue_id FROM issue_redirects WHERE previous_issue_id = $1',
    [previousIssueId],
  );
  return rows[0]?.issue_id ?? null;
}
