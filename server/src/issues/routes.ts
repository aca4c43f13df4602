// Issue reads: project and organization issue search (keyset pages, Link and X-Hits headers), issue
// details, tag distributions and hashes. Every /issues/{id}/ route also answers under
// /organizations/{org}/issues/{id}/ (Sentry has both). Triage writes: triage-routes.ts.
import type Koa from 'koa';
import { readsFrom } from '../db/read-pool.js';
import type { Deps } from '../deps.js';
import type { ApiIssueHash, ApiTagDistribution, ApiTagValue } from '../api/types.js';
import type { ApiRouter } from '../api/context.js';
import { requireIssueParam, requireOrg, requireProject, requireScope } from '../api/auth.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import { firstValue, parseCursor, parseLimit, setLinkHeader, toPage } from '../api/pagination.js';
import { listProjects } from '../projects/queries.js';
import { durationSeconds, parseSort, pickProjectIds, searchFromParams, statsPeriodsFromParam } from './list-params.js';
import { presentIssueDetails, presentIssues } from './present.js';
import {
  countIssues,
  listIssueHashSummaries,
  listIssues,
  listIssueTagKeys,
  listTopIssueTagValues,
  type TagValueRow,
} from './read-queries.js';
import { ISSUE_PREFIXES, registerIssueTriageRoutes } from './triage-routes.js';
import { registerUnmergeRoutes } from './unmerge-routes.js';

const TOP_TAG_VALUES = 9; // what Sentry's tag summary shows per key
/** X-Hits counts matches only up to this many (Sentry's max_hits): X-Hits = X-Max-Hits means "at least". */
const MAX_HITS = 1000;

export function registerIssueRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/projects/:org/:project/issues/', async (ctx) => {
    requireScope(ctx, 'event:read');
    const access = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    await answerIssueList(ctx, deps, {
      projectIds: [access.project.id],
      callerUserId: access.caller.user.id,
      filterByPeriod: false,
    });
  });

  router.get('/organizations/:org/issues/', async (ctx) => {
    requireScope(ctx, 'event:read');
    const access = await requireOrg(ctx, ctx.params.org!);
    const projectIds = pickProjectIds(
      (await listProjects(readsFrom(deps), access.org.id)).map((p) => p.id),
      ctx.query,
    );
    await answerIssueList(ctx, deps, { projectIds, callerUserId: access.caller.user.id, filterByPeriod: true });
  });

  for (const prefix of ISSUE_PREFIXES) {
    router.get(`${prefix}/`, async (ctx) => {
      requireScope(ctx, 'event:read');
      const { issue } = await requireIssueParam(ctx);
      ctx.body = await presentIssueDetails(readsFrom(deps), issue, {
        baseUrl: deps.config.http.baseUrl,
        now: new Date(),
      });
    });

    router.get(`${prefix}/tags/`, async (ctx) => {
      requireScope(ctx, 'event:read');
      const { issue } = await requireIssueParam(ctx);
      const [keys, values] = await Promise.all([
        listIssueTagKeys(readsFrom(deps), issue.id),
        listTopIssueTagValues(readsFrom(deps), { issueId: issue.id, perKey: TOP_TAG_VALUES }),
      ]);
      ctx.body = keys.map((k) => tagDistribution(k, values));
    });

    router.get(`${prefix}/tags/:key/`, async (ctx) => {
      requireScope(ctx, 'event:read');
      const { issue } = await requireIssueParam(ctx);
      const key = (await listIssueTagKeys(readsFrom(deps), issue.id)).find((k) => k.key === ctx.params.key);
      if (!key) throw new NotFoundError('tag-not-found', 'tag not found');
      const values = await listTopIssueTagValues(readsFrom(deps), {
        issueId: issue.id,
        key: key.key,
        perKey: TOP_TAG_VALUES,
      });
      ctx.body = tagDistribution(key, values);
    });

    router.get(`${prefix}/tags/:key/values/`, async (ctx) => {
      requireScope(ctx, 'event:read');
      const { issue } = await requireIssueParam(ctx);
      const values = await listTopIssueTagValues(readsFrom(deps), {
        issueId: issue.id,
        key: ctx.params.key!,
        perKey: parseLimit(ctx.query, 100, 1000),
      });
      ctx.body = values.map(tagValue);
    });

    router.get(`${prefix}/hashes/`, async (ctx) => {
      requireScope(ctx, 'event:read');
      const { issue } = await requireIssueParam(ctx);
      ctx.body = (await listIssueHashSummaries(readsFrom(deps), issue.id)).map((h): ApiIssueHash => ({
        id: h.hash,
        latestEvent: null,
        mergedBySeer: false,
        title: h.title,
        recentEvents: h.recentEvents,
        lastSeen: h.lastSeen ? h.lastSeen.toISOString() : null,
      }));
    });
  }

  registerIssueTriageRoutes(router, deps);
  registerUnmergeRoutes(router, deps);
}

async function answerIssueList(
  ctx: Koa.Context,
  deps: Deps,
  args: { projectIds: string[]; callerUserId: string; filterByPeriod: boolean },
): Promise<void> {
  const q = ctx.query;
  const cursor = parseCursor(firstValue(q.cursor));
  if (cursor && !/^\d+$/.test(cursor.id))
    throw new HttpError(400, 'invalid-cursor', 'invalid cursor: pass back a cursor from a Link header');
  const limit = parseLimit(q, 25, 100);
  const period = firstValue(q.statsPeriod);
  const now = new Date();
  const filter = {
    projectIds: args.projectIds,
    search: searchFromParams(q),
    callerUserId: args.callerUserId,
    lastSeenSince: args.filterByPeriod && period ? new Date(now.getTime() - durationSeconds(period) * 1000) : undefined,
  };
  const [rows, hits] = await Promise.all([
    listIssues(readsFrom(deps), { ...filter, sort: parseSort(firstValue(q.sort)), cursor, fetch: limit + 1 }),
    countIssues(readsFrom(deps), { ...filter, max: MAX_HITS }),
  ]);
  const page = toPage(rows, limit, cursor, (r) => ({ key: r.sortKey, id: r.id }));
  setLinkHeader(ctx, deps.config.http.baseUrl, page);
  ctx.set('X-Hits', String(hits));
  ctx.set('X-Max-Hits', String(MAX_HITS));
  ctx.body = await presentIssues(readsFrom(deps), page.items, {
    baseUrl: deps.config.http.baseUrl,
    statsPeriods: statsPeriodsFromParam(period),
    now,
  });
}

function tagDistribution(
  key: { key: string; totalValues: number; uniqueValues: number },
  values: TagValueRow[],
): ApiTagDistribution {
  return {
    key: key.key,
    name: key.key,
    totalValues: key.totalValues,
    uniqueValues: key.uniqueValues,
    topValues: values.filter((v) => v.key === key.key).map(tagValue),
  };
}

function tagValue(v: TagValueRow): ApiTagValue {
  return {
    key: v.key,
    name: v.value,
    value: v.value,
    count: v.count,
    firstSeen: v.firstSeen.toISOString(),
    lastSeen: v.lastSeen.toISOString(),
  };
}
