// Event reads: an issue's events (/issues/{id}/events/, keyset pages; `full=true` for whole
// events), one event of an issue (/issues/{id}/events/{latest|oldest|recommended|<event id>}/),
// also under /organizations/{org}/issues/{id}/…, /projects/{org}/{project}/events/{event id}/ and
// its grouping-info/.
import { readsFrom } from '../db/read-pool.js';
import type { Deps } from '../deps.js';
import type { ApiEvent } from '../api/types.js';
import type { ApiRouter } from '../api/context.js';
import { requireIssue, requireIssueParam, requireProject, requireScope } from '../api/auth.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import { firstValue, parseCursor, parseLimit, setLinkHeader, toPage } from '../api/pagination.js';
import type { Queryable } from '../db/pool.js';
import { listIssueHashes, listReleasesByVersion } from '../issues/read-queries.js';
import { serializeRelease } from '../issues/serialize.js';
import { ISSUE_PREFIXES } from '../issues/triage-routes.js';
import { findEvent, findNeighbourEventIds, listIssueEvents, type EventPick, type EventRow } from './read-queries.js';
import { serializeEvent, serializeEventSummary } from './serialize.js';

export function registerEventRoutes(router: ApiRouter, deps: Deps): void {
  for (const prefix of ISSUE_PREFIXES) {
    router.get(`${prefix}/events/`, async (ctx) => {
      requireScope(ctx, 'event:read');
      const { issue } = await requireIssueParam(ctx);
      const cursor = parseCursor(firstValue(ctx.query.cursor), 'event-id');
      const limit = parseLimit(ctx.query, 50, 100);
      const full = ['true', '1'].includes(firstValue(ctx.query.full) ?? '');
      const rows = await listIssueEvents(readsFrom(deps), {
        projectId: issue.projectId,
        issueId: issue.id,
        cursor,
        fetch: limit + 1,
        full,
      });
      const page = toPage(rows, limit, cursor, (r) => ({ key: r.sortKey, id: r.eventId }));
      setLinkHeader(ctx, deps.config.http.baseUrl, page);
      ctx.body = full
        ? await Promise.all(page.items.map((r) => presentEvent(readsFrom(deps), r, issue.organization.id, false)))
        : page.items.map(serializeEventSummary);
    });

    router.get(`${prefix}/events/:eventId/`, async (ctx) => {
      requireScope(ctx, 'event:read');
      const { issue } = await requireIssueParam(ctx);
      const row = await findEvent(readsFrom(deps), {
        projectId: issue.projectId,
        issueId: issue.id,
        pick: parsePick(ctx.params.eventId!),
      });
      if (!row) throw new NotFoundError('event-not-found', 'event not found');
      ctx.body = await presentEvent(readsFrom(deps), row, issue.organization.id, true);
    });
  }

  router.get('/projects/:org/:project/events/:eventId/', async (ctx) => {
    requireScope(ctx, 'event:read');
    const { org, project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const pick = parsePick(ctx.params.eventId!);
    if (pick.kind !== 'id')
      throw new HttpError(400, 'invalid-event-id', 'use an event id here (latest/oldest exist per issue)');
    const row = await findEvent(readsFrom(deps), { projectId: project.id, issueId: null, pick });
    if (!row) throw new NotFoundError('event-not-found', 'event not found');
    ctx.body = await presentEvent(readsFrom(deps), row, org.id, true);
  });

  // Sentry's grouping-info: the variants that produced the issue's hashes (recorded when the
  // issue was created), and whether this event's own hashes still match them.
  router.get('/projects/:org/:project/events/:eventId/grouping-info/', async (ctx) => {
    requireScope(ctx, 'event:read');
    const { org, project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const pick = parsePick(ctx.params.eventId!);
    const row =
      pick.kind === 'id' ? await findEvent(readsFrom(deps), { projectId: project.id, issueId: null, pick }) : null;
    if (!row) throw new NotFoundError('event-not-found', 'event not found');
    const { issue } = await requireIssue(ctx, row.issueId, org.slug);
    ctx.body = groupingInfo(issue.grouping, Array.isArray(row.payload.hashes) ? row.payload.hashes.map(String) : []);
  });
}

function groupingInfo(grouping: Record<string, unknown>, eventHashes: string[]): Record<string, unknown> {
  const variants = Array.isArray(grouping.variants) ? (grouping.variants as Array<Record<string, unknown>>) : [];
  return Object.fromEntries(
    variants.map((v) => {
      const name = String(v.name ?? 'default');
      const hash = typeof v.hash === 'string' ? v.hash : null;
      return [
        name,
        {
          key: name,
          type: 'component',
          description: v.description ?? name,
          hash,
          hashMismatch: hash !== null && !eventHashes.includes(hash),
          contributes: true,
          values: v.values ?? [],
          basis: grouping.basis ?? null,
        },
      ];
    }),
  );
}

function parsePick(value: string): EventPick {
  if (value === 'latest' || value === 'recommended') return { kind: 'latest' };
  if (value === 'oldest') return { kind: 'oldest' };
  const hex = value.toLowerCase().replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new NotFoundError('event-not-found', 'event not found');
  return { kind: 'id', eventId: hex };
}

/** Loads what the event serializer needs besides the row: hashes, release, neighbours. */
async function presentEvent(
  db: Queryable,
  row: EventRow,
  organizationId: string,
  withNeighbours: boolean,
): Promise<ApiEvent> {
  const [hashes, releases, neighbours] = await Promise.all([
    listIssueHashes(db, row.issueId),
    row.release ? listReleasesByVersion(db, organizationId, [row.release]) : Promise.resolve([]),
    withNeighbours
      ? findNeighbourEventIds(db, {
          projectId: row.projectId,
          issueId: row.issueId,
          sortKey: row.sortKey,
          eventId: row.eventId,
        })
      : Promise.resolve({ previous: null, next: null }),
  ]);
  return serializeEvent(row, {
    hashes,
    release: serializeRelease(row.release, new Map(releases.map((r) => [r.version, r]))),
    previousEventID: neighbours.previous,
    nextEventID: neighbours.next,
  });
}
