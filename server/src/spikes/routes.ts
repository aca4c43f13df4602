// GET /api/0/issues/{issue_id}/sampling/ (also under /organizations/{org}/issues/…): whether
// spike protection is storing only a sample of this issue's events. The issue's own counts
// (`count`, hourly stats) stay exact either way; this says how many events were counted without
// being stored, and since when.
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireIssueParam, requireScope } from '../api/auth.js';
import { findIssueSampling } from './queries.js';

/** Sampling counts as active while sampled events arrived within this long. */
export const SAMPLING_ACTIVE_MS = 2 * 60_000;

export interface ApiIssueSampling {
  active: boolean;
  sampledEvents: number;
  firstSampledAt: string | null;
  lastSampledAt: string | null;
  eventsPerMinuteThreshold: number;
  sampleRate: number;
}

export function registerSpikeRoutes(router: ApiRouter, deps: Deps): void {
  const handler = async (ctx: Koa.Context) => {
    requireScope(ctx, 'event:read');
    const { issue } = await requireIssueParam(ctx);
    const row = await findIssueSampling(deps.pool, issue.id);
    const body: ApiIssueSampling = {
      active: row !== null && Date.now() - row.lastSampledAt.getTime() < SAMPLING_ACTIVE_MS,
      sampledEvents: row?.sampledCount ?? 0,
      firstSampledAt: row?.firstSampledAt.toISOString() ?? null,
      lastSampledAt: row?.lastSampledAt.toISOString() ?? null,
      eventsPerMinuteThreshold: deps.config.protection.spikeEventsPerMinute,
      sampleRate: deps.config.protection.spikeSampleRate,
    };
    ctx.body = body;
  };
  router.get('/issues/:issueId/sampling/', handler);
  router.get('/organizations/:org/issues/:issueId/sampling/', handler);
}
