// Builds live stream messages and publishes them through the hub's Redis stream: compact event
// summaries after each pipeline batch commit, and deploy markers when a deploy is recorded.
import type { RedisClient } from '../shared/redis.js';
import type { Queryable } from '../db/pool.js';
import type { DeployCreateMessage, EventCreateMessage } from './messages.js';
import { publishToStream } from './hub.js';
import { listIssueSummaries, type IssueSummaryRow } from './queries.js';

export interface RealtimePublishDeps {
  pool: Queryable;
  redis: RedisClient;
  config: { redis: { prefix: string }; realtime: { bufferSize: number } };
}

/** What the pipeline knows about one stored event (see pipeline/prepared.ts StoredEvent). */
export interface StoredEventSummary {
  projectId: string;
  eventId: string;
  issueId: string;
  timestamp: number; // seconds
  title: string;
  level: string;
  release: string | null;
  environment: string | null;
  isNewIssue: boolean;
  isRegression: boolean;
  receivedAt?: number; // ms
  serverName?: string | null;
}

/** Pure: one message per event whose issue was found, grouped by organization id. */
export function buildEventMessages(
  stored: StoredEventSummary[],
  issues: IssueSummaryRow[],
  now: number,
): Map<string, EventCreateMessage[]> {
  const byIssue = new Map(issues.map((i) => [i.issueId, i]));
  const out = new Map<string, EventCreateMessage[]>();
  const publishedAt = new Date(now).toISOString();
  for (const e of stored) {
    const issue = byIssue.get(e.issueId);
    if (!issue) continue; // deleted between commit and publish: nothing to show
    const msg: EventCreateMessage = {
      type: 'EventCreate',
      eventId: e.eventId,
      project: { id: issue.projectId, slug: issue.projectSlug },
      issue: {
        id: e.issueId,
        shortId: issue.shortId,
        title: e.title,
        culprit: issue.culprit,
        isNew: e.isNewIssue,
        isRegression: e.isRegression,
      },
      level: e.level,
      release: e.release,
      environment: e.environment,
      serverName: e.serverName ?? null,
      timestamp: new Date(e.timestamp * 1000).toISOString(),
      receivedAt: new Date(e.receivedAt ?? now).toISOString(),
      publishedAt,
    };
    let list = out.get(issue.organizationId);
    if (!list) out.set(issue.organizationId, (list = []));
    list.push(msg);
  }
  return out;
}

export async function publishStoredEvents(deps: RealtimePublishDeps, stored: StoredEventSummary[]): Promise<void> {
  if (stored.length === 0) return;
  const issues = await listIssueSummaries(deps.pool, [...new Set(stored.map((e) => e.issueId))]);
  const byOrg = buildEventMessages(stored, issues, Date.now());
  const opts = { prefix: deps.config.redis.prefix, bufferSize: deps.config.realtime.bufferSize };
  await Promise.all([...byOrg].map(([orgId, messages]) => publishToStream(deps.redis, opts, orgId, messages)));
}

export interface DeployForStream {
  id: string;
  release: string;
  environment: string;
  name?: string | null;
  url?: string | null;
  dateStarted?: Date | string | null;
  dateFinished: Date | string;
  /** Project slugs the deploy covers (empty: the whole release). */
  projects?: string[];
}

const isoOf = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

/** Publishes a deploy marker to the organization's live stream. Call after the deploy commits. */
export async function publishDeploy(
  deps: Pick<RealtimePublishDeps, 'redis' | 'config'>,
  organizationId: string,
  d: DeployForStream,
): Promise<void> {
  const msg: DeployCreateMessage = {
    type: 'DeployCreate',
    deploy: {
      id: d.id,
      release: d.release,
      environment: d.environment,
      name: d.name ?? null,
      url: d.url ?? null,
      dateStarted: d.dateStarted ? isoOf(d.dateStarted) : null,
      dateFinished: isoOf(d.dateFinished),
      projects: d.projects ?? [],
    },
    publishedAt: new Date().toISOString(),
  };
  await publishToStream(
    deps.redis,
    { prefix: deps.config.redis.prefix, bufferSize: deps.config.realtime.bufferSize },
    organizationId,
    [msg],
  );
}
