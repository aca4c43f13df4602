// Loads what the issue serializer needs beyond the issue rows (release objects, stat series)
// in two batched queries, then serializes. Used by every endpoint that answers with issues.
import type { Queryable } from '../db/pool.js';
import type { ApiGrouping, ApiIssue, ApiIssueDetails, ApiStatSeries } from '../api/types.js';
import { serializeUser } from '../users/serialize.js';
import {
  listIssueStats,
  listIssueTagKeys,
  listReleasesByVersion,
  listUnhandledIssueIds,
  type IssueRow,
} from './read-queries.js';
import { serializeIssue, statsSeries, statsWindow, type StatsPeriod } from './serialize.js';
import { listIssueActivities } from './update-queries.js';

export interface PresentOptions {
  baseUrl: string;
  /** Stat series to attach (none for an empty list). */
  statsPeriods: StatsPeriod[];
  now: Date;
}

export async function presentIssues(db: Queryable, rows: IssueRow[], opts: PresentOptions): Promise<ApiIssue[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const byOrg = new Map<string, Set<string>>();
  for (const r of rows) {
    const versions = byOrg.get(r.organization.id) ?? new Set<string>();
    for (const v of [r.firstRelease, r.lastRelease]) if (v) versions.add(v);
    byOrg.set(r.organization.id, versions);
  }
  const windows = opts.statsPeriods.map((p) => statsWindow(p, opts.now));
  const [releaseLists, statRows, unhandled] = await Promise.all([
    Promise.all([...byOrg].map(([orgId, versions]) => listReleasesByVersion(db, orgId, [...versions]))),
    Promise.all(
      windows.map((w) => listIssueStats(db, { issueIds: ids, since: new Date(w.start * 1000), bucket: w.bucket })),
    ),
    listUnhandledIssueIds(db, ids),
  ]);
  const releases = new Map(releaseLists.flat().map((r) => [r.version, r]));
  return rows.map((row) => {
    const stats: Record<string, ApiStatSeries> = {};
    windows.forEach((w, i) => {
      stats[w.period] = statsSeries(statRows[i]!, row.id, w);
    });
    return serializeIssue(row, {
      baseUrl: opts.baseUrl,
      releases,
      stats: windows.length > 0 ? stats : undefined,
      isUnhandled: unhandled.has(row.id),
    });
  });
}

/** One issue with what the details page shows: 24h and 30d stats, activity, tag keys. */
export async function presentIssueDetails(
  db: Queryable,
  row: IssueRow,
  opts: Omit<PresentOptions, 'statsPeriods'>,
): Promise<ApiIssueDetails> {
  const [[issue], activity, tagKeys] = await Promise.all([
    presentIssues(db, [row], { ...opts, statsPeriods: ['24h', '30d'] }),
    listIssueActivities(db, row.id),
    listIssueTagKeys(db, row.id),
  ]);
  return {
    ...issue!,
    grouping: groupingOf(row.grouping),
    activity: activity.map((a) => ({
      id: a.id,
      type: a.kind,
      data: a.data,
      user: a.user ? serializeUser(a.user) : null,
      dateCreated: a.createdAt.toISOString(),
    })),
    tags: tagKeys.map((k) => ({ key: k.key, name: k.key, totalValues: k.totalValues })),
    seenBy: [],
    participants: [],
    userReportCount: 0,
  };
}

/** issues.grouping as the API shows it (the pipeline writes { basis, hashes, variants }). */
function groupingOf(g: Record<string, unknown>): ApiGrouping | null {
  if (typeof g.basis !== 'string') return null;
  const variants = Array.isArray(g.variants) ? (g.variants as unknown[]) : [];
  return {
    basis: g.basis,
    hashes: strings(g.hashes),
    variants: variants.map((v) => {
      const r = (v ?? {}) as Record<string, unknown>;
      return {
        name: String(r.name ?? ''),
        hash: String(r.hash ?? ''),
        values: strings(r.values),
        description: String(r.description ?? ''),
      };
    }),
  };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}
