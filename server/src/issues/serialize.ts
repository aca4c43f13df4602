// Issues in Sentry's group serializer shape (pure): string ids, `count` as a string, the
// project reference, release objects and `stats` as [unix seconds, count] series.
import type { ApiAssignee, ApiIssue, ApiRelease, ApiStatSeries, ApiStatusDetails } from '../api/types.js';
import type { IssueAssignee, IssueRow, ReleaseRefRow, StatBucketRow } from './read-queries.js';

export interface IssueSerializeOptions {
  baseUrl: string;
  releases: Map<string, ReleaseRefRow>;
  stats?: Record<string, ApiStatSeries>;
  /** Whether the issue has unhandled events (Sentry's isUnhandled). */
  isUnhandled?: boolean;
}

const IGNORE_DETAIL_KEYS = [
  'ignoreDuration',
  'ignoreUntil',
  'ignoreCount',
  'ignoreWindow',
  'ignoreUserCount',
  'ignoreUserWindow',
] as const;

export function serializeIssue(row: IssueRow, opts: IssueSerializeOptions): ApiIssue {
  const issue: ApiIssue = {
    id: row.id,
    shortId: `${row.project.shortIdPrefix}-${row.shortId}`,
    title: row.title,
    culprit: row.culprit,
    level: row.level,
    status: row.status,
    substatus: row.substatus,
    statusDetails: serializeStatusDetails(row),
    permalink: `${opts.baseUrl}/organizations/${row.organization.slug}/issues/${row.id}/`,
    logger: typeof row.metadata.logger === 'string' ? row.metadata.logger : null,
    type: row.type,
    issueType: row.type,
    issueCategory: 'error',
    metadata: row.metadata,
    platform: row.platform,
    project: { id: row.project.id, slug: row.project.slug, name: row.project.name, platform: row.project.platform },
    firstSeen: row.firstSeen.toISOString(),
    lastSeen: row.lastSeen.toISOString(),
    count: row.eventCount,
    userCount: Number(row.userCount),
    numComments: 0,
    isUnhandled: opts.isUnhandled ?? false,
    isBookmarked: false,
    isSubscribed: false,
    isPublic: false,
    hasSeen: false,
    shareId: null,
    annotations: [],
    assignedTo: serializeAssignee(row.assignee),
    firstRelease: serializeRelease(row.firstRelease, opts.releases),
    lastRelease: serializeRelease(row.lastRelease, opts.releases),
  };
  if (opts.stats) issue.stats = opts.stats;
  return issue;
}

/** Sentry's actor shape: a team's `name` is its slug. */
export function serializeAssignee(a: IssueAssignee | null): ApiAssignee | null {
  if (!a) return null;
  if (a.type === 'team') return { type: 'team', id: a.id, name: a.slug };
  return { type: 'user', id: a.id, name: a.name || a.email, email: a.email };
}

/** Resolutions come from the release columns, ignore conditions from status_details. */
export function serializeStatusDetails(
  row: Pick<IssueRow, 'status' | 'statusDetails' | 'resolvedInRelease' | 'resolvedInNextRelease'>,
): ApiStatusDetails {
  if (row.status === 'resolved') {
    if (row.resolvedInNextRelease) return { inNextRelease: true };
    return row.resolvedInRelease ? { inRelease: row.resolvedInRelease } : {};
  }
  if (row.status !== 'ignored') return {};
  const out: Record<string, unknown> = {};
  for (const k of IGNORE_DETAIL_KEYS)
    if (row.statusDetails[k] !== undefined && row.statusDetails[k] !== null) out[k] = row.statusDetails[k];
  return out as ApiStatusDetails;
}

export function serializeRelease(version: string | null, known: Map<string, ReleaseRefRow>): ApiRelease | null {
  if (version === null || version === '') return null;
  const r = known.get(version);
  return {
    version,
    shortVersion: version,
    dateCreated: r ? r.createdAt.toISOString() : null,
    dateReleased: r?.dateReleased ? r.dateReleased.toISOString() : null,
  };
}

export type StatsPeriod = '24h' | '14d' | '30d';

export interface StatsWindow {
  period: StatsPeriod;
  bucket: 'hour' | 'day';
  /** Unix seconds of the first bucket. */
  start: number;
  step: number;
  points: number;
}

/** Sentry's stat windows: 24 hourly buckets, or 14 / 30 daily ones, the current one last (UTC). */
export function statsWindow(period: StatsPeriod, now: Date): StatsWindow {
  const nowSec = Math.floor(now.getTime() / 1000);
  const hourly = period === '24h';
  const step = hourly ? 3600 : 86400;
  const points = hourly ? 24 : period === '14d' ? 14 : 30;
  const current = nowSec - (nowSec % step);
  return { period, bucket: hourly ? 'hour' : 'day', start: current - (points - 1) * step, step, points };
}

/** Dense series for one issue from sparse bucket rows (missing buckets count 0). */
export function statsSeries(rows: StatBucketRow[], issueId: string, w: StatsWindow): ApiStatSeries {
  const counts = new Map<number, number>();
  for (const r of rows) if (r.issueId === issueId) counts.set(r.bucket, (counts.get(r.bucket) ?? 0) + r.count);
  const series: ApiStatSeries = [];
  for (let i = 0; i < w.points; i++) {
    const t = w.start + i * w.step;
    series.push([t, counts.get(t) ?? 0]);
  }
  return series;
}
