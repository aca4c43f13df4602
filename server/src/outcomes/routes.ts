// GET /api/0/projects/{org}/{project}/stats/ — what became of the project's items (loss
// accounting). Without `stat`: {start, end, interval, intervals, totals, groups} with one series
// per outcome/reason/category (accepted, filtered, rate_limited, invalid, internal_error, and
// client_discard from the SDKs' client reports). With `stat=received|rejected|blacklisted`:
// Sentry's [[unix seconds, count], …]. Query: since, until (unix seconds or ISO), resolution or
// interval (1h default, 1d), category. Counts not yet flushed are read live from Redis.
import { z } from 'zod';
import { readsFrom } from '../db/read-pool.js';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireProject, requireScope } from '../api/auth.js';
import { HttpError } from '../api/errors.js';
import { outcomesKey, parseOutcomeField } from '../shared/outcomes/outcome-counter.js';
import { listClientReportCounts, listOutcomeCounts } from './queries.js';
import { buildLegacyStat, buildStats, type CountRow, type Interval } from './series.js';

const DAY_MS = 86_400_000;
const MAX_RANGE_MS = 400 * DAY_MS;

const timeParam = z.string().transform((v, ctx) => {
  const d = /^\d+(\.\d+)?$/.test(v) ? new Date(Number(v) * 1000) : new Date(v);
  if (Number.isNaN(d.getTime())) ctx.addIssue({ code: 'custom', message: 'expected unix seconds or an ISO timestamp' });
  return d;
});
const querySchema = z.object({
  since: timeParam.optional(),
  until: timeParam.optional(),
  resolution: z.enum(['1h', '1d']).optional(),
  interval: z.enum(['1h', '1d']).optional(),
  stat: z.enum(['received', 'rejected', 'blacklisted', 'generated']).optional(),
  category: z.string().max(64).optional(),
});

export function registerStatsRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/projects/:org/:project/stats/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const parsed = querySchema.safeParse(ctx.query);
    if (!parsed.success)
      throw new HttpError(400, 'invalid-query', 'invalid stats query', { details: parsed.error.flatten() });
    const q = parsed.data;
    const until = q.until ?? new Date();
    const since = q.since ?? new Date(until.getTime() - DAY_MS);
    if (since >= until || until.getTime() - since.getTime() > MAX_RANGE_MS)
      throw new HttpError(400, 'invalid-range', 'since must be before until, at most 400 days apart');
    const interval: Interval = q.interval ?? q.resolution ?? '1h';
    let rows = await loadCounts(deps, project.id, since, until);
    if (q.category) rows = rows.filter((r) => r.category === q.category);
    ctx.body = q.stat
      ? buildLegacyStat(rows, since, until, interval, q.stat)
      : buildStats(rows, since, until, interval);
  });
}

/** Flushed counts, the live counts still in Redis, and the SDKs' client reports as `client_discard`. */
async function loadCounts(deps: Deps, projectId: string, since: Date, until: Date): Promise<CountRow[]> {
  const range = { projectId, since: new Date(Math.floor(since.getTime() / 3_600_000) * 3_600_000), until };
  const [flushed, reports, live] = await Promise.all([
    listOutcomeCounts(readsFrom(deps), range),
    listClientReportCounts(readsFrom(deps), range),
    liveCounts(deps, projectId),
  ]);
  return [
    ...flushed,
    ...live,
    ...reports.map((r) => ({
      hour: r.hour,
      outcome: 'client_discard',
      reason: r.reason,
      category: r.category,
      quantity: r.quantity,
    })),
  ];
}

async function liveCounts(deps: Deps, projectId: string): Promise<CountRow[]> {
  let fields: Record<string, string>;
  try {
    fields = await deps.redis.hgetall(outcomesKey(deps.config.redis.prefix));
  } catch (err) {
    deps.log.warn({ err }, 'reading live outcome counters failed, stats show flushed counts only');
    return [];
  }
  const rows: CountRow[] = [];
  for (const [field, n] of Object.entries(fields)) {
    const r = parseOutcomeField(field, Number(n));
    if (r && r.projectId === projectId)
      rows.push({
        hour: new Date(r.hour * 1000).toISOString(),
        outcome: r.outcome,
        reason: r.reason,
        category: r.category,
        quantity: r.quantity,
      });
  }
  return rows;
}
