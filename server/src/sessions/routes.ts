// GET /api/0/organizations/{org}/sessions/ — Sentry's public sessions API (release health):
// `field` (sum(session), count_unique(user), crash_free_rate(session|user)), `groupBy` (project,
// release, environment, session.status), `project`, `environment`, `query` (release:X,
// environment:Y), `statsPeriod` or `start`/`end`, `interval` (m/h/d). Sub-hour intervals read the
// minute counts (users stay hourly). Ranges are bounded: 90 days, 1,000 intervals.
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireOrg } from '../api/auth.js';
import { HttpError } from '../api/errors.js';
import { listProjectsByRef } from '../releases/api-queries.js';
import { listProjects } from '../projects/queries.js';
import { requireReleaseScope } from '../releases/access.js';
import {
  listSessionCountBuckets,
  listUserCountBuckets,
  type HealthFilter,
  type HealthGrouping,
} from './health-queries.js';
import { buildSessionsBody, SESSION_FIELDS, SESSION_GROUP_BYS } from './series.js';

const MAX_RANGE_MS = 90 * 86_400_000;
const MAX_INTERVALS = 1000;
const MAX_QUERY_CHARS = 1000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function registerSessionRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/organizations/:org/sessions/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const fields = listParam(ctx, 'field').map((f) => oneOf(f, SESSION_FIELDS, 'field'));
    if (fields.length === 0)
      throw new HttpError(
        400,
        'invalid-field',
        'field is required: sum(session), count_unique(user), crash_free_rate(session) or crash_free_rate(user)',
      );
    const groupBy = listParam(ctx, 'groupBy').map((g) => oneOf(g, SESSION_GROUP_BYS, 'groupBy'));
    const { start, stepMs, buckets } = parseRange(ctx);
    const filter: HealthFilter = {
      projectIds: await projectIds(ctx, deps, org.id),
      from: new Date(start),
      to: new Date(start + stepMs * buckets),
      environments: [],
      releases: [],
    };
    const query = listParam(ctx, 'query').join(' ');
    applyQuery(filter, query);
    filter.environments.push(...listParam(ctx, 'environment').map((e) => bounded(e, 64, 'environment')));
    const grouping: HealthGrouping = {
      project: groupBy.includes('project'),
      release: groupBy.includes('release'),
      environment: groupBy.includes('environment'),
    };
    const stepSeconds = stepMs / 1000;
    const [sessions, usersInBuckets, usersInRange] = await Promise.all([
      listSessionCountBuckets(deps.pool, filter, grouping, stepSeconds),
      listUserCountBuckets(deps.pool, filter, grouping, stepSeconds),
      listUserCountBuckets(deps.pool, filter, grouping, null),
    ]);
    ctx.body = buildSessionsBody({
      fields: [...new Set(fields)],
      groupBy: [...new Set(groupBy)],
      start,
      stepMs,
      buckets,
      sessions,
      usersInBuckets,
      usersInRange,
      query,
    });
  });
}

function listParam(ctx: Koa.Context, name: string): string[] {
  const v = ctx.query[name];
  const values = v === undefined ? [] : Array.isArray(v) ? v : [v];
  if (values.length > 20) throw new HttpError(400, `invalid-${name.toLowerCase()}`, `${name}: at most 20 values`);
  return values.filter((s) => s !== '');
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new HttpError(
      400,
      `invalid-${name.toLowerCase()}`,
      `${name}: ${JSON.stringify(value.slice(0, 100))} is not one of ${allowed.join(', ')}`,
    );
  }
  return value as T;
}

function bounded(value: string, max: number, name: string): string {
  if (value.length > max) throw new HttpError(400, `invalid-${name}`, `${name}: longer than ${max} characters`);
  return value;
}

function duration(raw: string, name: string): number {
  const m = /^(\d{1,6})([smhdw])$/.exec(raw);
  if (!m || Number(m[1]) === 0)
    throw new HttpError(
      400,
      `invalid-${name.toLowerCase()}`,
      `${name}: ${JSON.stringify(raw.slice(0, 40))} is not a duration such as 1h, 30m or 14d`,
    );
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** The range aligned to whole intervals (start down, end up), as Sentry aligns it. */
function parseRange(ctx: Koa.Context): { start: number; stepMs: number; buckets: number } {
  const first = (n: string) => ([] as string[]).concat(ctx.query[n] ?? [])[0] ?? '';
  const stepMs = duration(first('interval') || '1h', 'interval');
  if (stepMs % 60_000 !== 0)
    throw new HttpError(400, 'invalid-interval', 'interval: at least one minute, in whole minutes');
  let end = Date.now();
  let start: number;
  if (first('start') || first('end')) {
    start = Date.parse(first('start'));
    end = Date.parse(first('end'));
    if (Number.isNaN(start)) throw new HttpError(400, 'invalid-start', 'start: expected an ISO timestamp (with end)');
    if (Number.isNaN(end)) throw new HttpError(400, 'invalid-end', 'end: expected an ISO timestamp (with start)');
  } else {
    start = end - duration(first('statsPeriod') || '24h', 'statsPeriod');
  }
  if (end <= start || end - start > MAX_RANGE_MS)
    throw new HttpError(400, 'invalid-range', 'the range must be positive and at most 90 days');
  const alignedStart = Math.floor(start / stepMs) * stepMs;
  const buckets = Math.ceil((end - alignedStart) / stepMs);
  if (buckets > MAX_INTERVALS)
    throw new HttpError(
      400,
      'invalid-interval',
      `interval: the range would have ${buckets} intervals, at most ${MAX_INTERVALS}`,
    );
  return { start: alignedStart, stepMs, buckets };
}

/** `project` ids or slugs (-1 or none: every project of the organization). */
async function projectIds(ctx: Koa.Context, deps: Deps, organizationId: string): Promise<string[]> {
  const refs = listParam(ctx, 'project').filter((p) => p !== '-1');
  if (refs.length === 0) return (await listProjects(deps.pool, organizationId)).map((p) => p.id);
  const found = await listProjectsByRef(
    deps.pool,
    organizationId,
    refs.map((r) => bounded(r, 100, 'project')),
  );
  const unknown = refs.filter((r) => !found.some((p) => p.id === r || p.slug === r));
  if (unknown.length > 0)
    throw new HttpError(400, 'invalid-project', `project: ${unknown.slice(0, 5).join(', ')} not in this organization`);
  return found.map((p) => p.id);
}

/** `release:X`, `release:"X Y"`, `release:[a,b]`, `environment:X` terms; anything else is a 400. */
function applyQuery(filter: HealthFilter, query: string): void {
  bounded(query, MAX_QUERY_CHARS, 'query');
  const term = /\s*(release|environment):("([^"]*)"|\[([^\]]*)\]|(\S+))\s*/y;
  let at = 0;
  while (at < query.length) {
    term.lastIndex = at;
    const m = term.exec(query);
    if (!m) {
      if (query.slice(at).trim() === '') break;
      throw new HttpError(
        400,
        'invalid-query',
        `query: only release:X and environment:X terms are supported, near ${JSON.stringify(query.slice(at, at + 40))}`,
      );
    }
    const values =
      m[3] !== undefined
        ? [m[3]]
        : m[4] !== undefined
          ? m[4].split(',').map((v) => v.trim().replace(/^"|"$/g, ''))
          : [m[5]!];
    (m[1] === 'release' ? filter.releases : filter.environments).push(...values.filter((v) => v !== ''));
    at = term.lastIndex;
  }
}
