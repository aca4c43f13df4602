// Phase "visibility": typical events at a fixed rate (1,000/s in the full plan) while a live
// stream subscriber sees every event and an API poller lists the hottest issue's events; the
// latency runs from the moment ingest answered 200 to the moment each watcher saw the event.
import { setTimeout as sleep } from 'node:timers/promises';
import { issueOfEvent } from './database.js';
import { pipelineRun } from './pipeline-phase.js';
import type { BenchContext } from './plan.js';
import type { BenchResult } from './result.js';
import { visibilityLatency, watchApi, watchStream } from './visibility.js';

const SETTLE_MS = 1_000; // after the backlog drained, time for the last frames and polls

export async function visibilityPhase(
  ctx: BenchContext,
  origin: string,
  mode: 'all-in-one' | 'split',
  hotEventId: string | undefined,
  sustainedRate: number,
): Promise<NonNullable<BenchResult['visibility']>> {
  const { plan, db } = ctx;
  // Above what the pipeline sustains, latency only measures the growing backlog: measure at most
  // at 80% of the sustained rate (the report then says the target's rate was not reached).
  const rate = Math.max(1, Math.round(Math.min(plan.latencyRate, sustainedRate * 0.8)));
  const stream = await watchStream(origin, db.project.orgSlug, db.apiToken);
  const hotIssue = hotEventId ? await issueOfEvent(db.pool, hotEventId) : null;
  const api = hotIssue ? watchApi(origin, hotIssue, db.apiToken, plan.apiPollMs) : null;
  const run = await pipelineRun(ctx, origin, {
    payload: 'envelope',
    rate,
    durationMs: plan.latencyMs,
    includeNew: true,
    collectIds: true,
  });
  await sleep(SETTLE_MS);
  await stream.stop();
  await api?.stop();
  const accepted = run.load.accepted ?? [];
  const streamLat = visibilityLatency(
    accepted.map(([id, at]) => [id, at]),
    stream.seen,
  );
  // The API poller watches one issue: only that variant's events (rank 1, the hottest).
  const apiLat = visibilityLatency(
    accepted.filter(([, , v]) => v === 0).map(([id, at]) => [id, at]),
    api?.seen ?? new Map(),
  );
  const streamNote = stream.error() ?? (stream.seen.size === 0 ? 'n/a: the stream delivered no events' : null);
  const apiNote = api ? api.error() : 'n/a: no event of the hottest fingerprint was seeded';
  ctx.log(`visibility at ${rate}/s: api p95 ${apiLat.p95 ?? 'n/a'} ms, stream p95 ${streamLat.p95 ?? 'n/a'} ms`);
  return {
    mode,
    ratePerSec: rate,
    targetRatePerSec: plan.latencyRate,
    durationSec: plan.latencyMs / 1000,
    api: {
      ...apiLat,
      note: apiNote
        ? `${apiNote}; polled every ${plan.apiPollMs} ms`
        : `one issue polled every ${plan.apiPollMs} ms (adds up to that much)`,
    },
    stream: { ...streamLat, note: streamNote },
  };
}
