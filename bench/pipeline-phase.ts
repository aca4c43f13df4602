// Phase "pipeline": events fully processed (grouped, stored, counted: the sum of the issues'
// event_count), measured by polling Postgres while the load generator offers a fixed rate.
// A sustainable rate is searched with short probes, then held for the sustained run; a burst
// at 3x that rate follows and the time to drain its backlog is measured.
import { setTimeout as sleep } from 'node:timers/promises';
import { processedEvents } from './database.js';
import type { LoadResult } from './load.js';
import type { PayloadKind } from './payloads.js';
import { specId, targetOf, withCpu, type BenchContext } from './plan.js';
import type { Proc } from './processes.js';
import type { SustainedResult } from './result.js';
import { newVariants } from './zipf.js';
import { checkFailures } from './ingest-phase.js';

const POLL_MS = 100;
/**
 * A run is sustained when no request failed, the last answer came at most this long after the
 * load's end, and by then the pipeline lagged behind what it accepted by at most this much of the
 * offered load.
 */
const SUSTAINED_LAG_SEC = 1;
const PROBE_UP = 1.25;
const PROBE_DOWN = 0.85;

export interface RunFigures {
  offeredPerSec: number;
  acceptedPerSec: number;
  processedPerSec: number;
  backlogAtEnd: number;
  /** Seconds between the load's end and its last answer. */
  lateSec: number;
  sustained: boolean;
  newIssues: number;
  load: LoadResult;
}

/** See SUSTAINED_LAG_SEC. */
export function isSustained(r: { failed: number; rate: number; backlogAtEnd: number; lateSec: number }): boolean {
  return r.failed === 0 && r.backlogAtEnd <= r.rate * SUSTAINED_LAG_SEC && r.lateSec <= SUSTAINED_LAG_SEC;
}

/** Resolves once `count` events are processed in total; false on timeout. */
export async function waitProcessed(ctx: BenchContext, count: number, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if ((await processedEvents(ctx.db.pool)) >= count) return true;
    await sleep(POLL_MS);
  }
  return false;
}

async function issueCount(ctx: BenchContext): Promise<number> {
  const { rows } = await ctx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM issues');
  return rows[0]!.n;
}

/** One open-loop run at `rate` while the pipeline runs; waits for its backlog to drain after. */
export async function pipelineRun(
  ctx: BenchContext,
  origin: string,
  o: { payload: PayloadKind; rate: number; durationMs: number; includeNew: boolean; collectIds?: boolean },
): Promise<RunFigures> {
  const { plan } = ctx;
  const before = await processedEvents(ctx.db.pool);
  const issuesBefore = await issueCount(ctx);
  const t0 = performance.now();
  const load = await ctx.load.run({
    id: specId(o.payload),
    target: targetOf(ctx, origin),
    payload: o.payload,
    fingerprints: plan.fingerprints,
    zipfS: plan.zipfS,
    seed: Math.floor(t0),
    exclude: o.includeNew ? [] : newVariants(plan.fingerprints, plan.newFraction),
    mode: 'open',
    rate: o.rate,
    durationMs: o.durationMs,
    connections: plan.connections,
    collectIds: o.collectIds,
  });
  const seconds = (performance.now() - t0) / 1000;
  const after = await processedEvents(ctx.db.pool);
  checkFailures(ctx, `pipeline ${o.payload} at ${o.rate}/s`, load);
  const backlogAtEnd = Math.max(0, load.ok - (after - before));
  // An overloaded all-in-one process answers late instead of letting a backlog pile up: requests
  // wait for their turn, so a small backlog alone does not show that it kept up. Its last answer
  // must also come within a second of the load's end.
  const late = seconds - o.durationMs / 1000;
  const drained = await waitProcessed(ctx, before + load.ok, plan.drainTimeoutMs);
  if (!drained)
    ctx.errors.push(`pipeline ${o.payload} at ${o.rate}/s: backlog not drained within ${plan.drainTimeoutMs} ms`);
  return {
    offeredPerSec: o.rate,
    acceptedPerSec: load.acceptedPerSec,
    processedPerSec: (after - before) / seconds,
    backlogAtEnd,
    lateSec: late,
    sustained: isSustained({ failed: load.failed, rate: o.rate, backlogAtEnd, lateSec: late }),
    newIssues: (await issueCount(ctx)) - issuesBefore,
    load,
  };
}

/** Probes for the highest sustainable rate from `initial`, then holds it for plan.sustainMs. */
export async function sustainedPhase(
  ctx: BenchContext,
  origin: string,
  o: {
    mode: SustainedResult['mode'];
    payload: PayloadKind;
    initial: number;
    durationMs: number;
    pgBaselineRowsPerSec: number | null;
    procs: Proc[];
  },
): Promise<SustainedResult> {
  const { plan } = ctx;
  let rate = Math.max(10, Math.round(o.initial));
  let best: number | null = null;
  const probes: SustainedResult['probes'] = [];
  for (let i = 0; i < plan.maxProbes; i++) {
    const r = await pipelineRun(ctx, origin, { payload: o.payload, rate, durationMs: plan.probeMs, includeNew: false });
    probes.push({
      offeredPerSec: rate,
      processedPerSec: r.processedPerSec,
      backlogAtEnd: r.backlogAtEnd,
      sustained: r.sustained,
    });
    ctx.log(
      `probe ${o.mode} ${o.payload} at ${rate}/s: processed ${Math.round(r.processedPerSec)}/s, backlog ${r.backlogAtEnd}, last answer +${r.lateSec.toFixed(1)} s${r.sustained ? '' : ' (not sustained)'}`,
    );
    if (r.sustained) {
      best = Math.max(best ?? 0, rate);
      rate = Math.round(rate * PROBE_UP);
    } else {
      rate = Math.round(Math.min(rate * PROBE_DOWN, r.processedPerSec * 0.95));
      if (best !== null && rate <= best) break;
    }
  }
  const chosen = Math.max(10, best ?? rate);
  const r = await withCpu(
    ctx,
    `${o.mode} sustained, ${o.payload}`,
    o.procs,
    () => pipelineRun(ctx, origin, { payload: o.payload, rate: chosen, durationMs: o.durationMs, includeNew: true }),
    (x) => x.load.ok,
  );
  ctx.log(
    `sustained ${o.mode} ${o.payload} at ${chosen}/s for ${o.durationMs / 1000} s: processed ${Math.round(r.processedPerSec)}/s, backlog ${r.backlogAtEnd}, ${r.newIssues} new issues`,
  );
  return {
    mode: o.mode,
    payload: o.payload,
    offeredPerSec: chosen,
    acceptedPerSec: r.acceptedPerSec,
    processedPerSec: r.processedPerSec,
    durationSec: o.durationMs / 1000,
    backlogAtEnd: r.backlogAtEnd,
    sustained: r.sustained,
    newIssues: r.newIssues,
    ingestLatencyMs: r.load.latencyMs,
    pgBaselineRowsPerSec: o.pgBaselineRowsPerSec,
    ratioToPgBaseline: o.pgBaselineRowsPerSec ? r.processedPerSec / o.pgBaselineRowsPerSec : null,
    probes,
  };
}

/** A burst at `rate` for plan.burstMs, then silence: how long until the backlog is gone. */
export async function burstPhase(
  ctx: BenchContext,
  origin: string,
  rate: number,
): Promise<{ peakBacklog: number; drainSec: number | null; burstSec: number }> {
  const { plan } = ctx;
  const before = await processedEvents(ctx.db.pool);
  const t0 = performance.now();
  const load = await ctx.load.run({
    id: specId('envelope'),
    target: targetOf(ctx, origin),
    payload: 'envelope',
    fingerprints: plan.fingerprints,
    zipfS: plan.zipfS,
    seed: 7,
    mode: 'open',
    rate,
    durationMs: plan.burstMs,
    connections: plan.connections,
  });
  const burstEnd = performance.now();
  const peakBacklog = Math.max(0, load.ok - ((await processedEvents(ctx.db.pool)) - before));
  const drained = await waitProcessed(ctx, before + load.ok, plan.drainTimeoutMs);
  const drainSec = drained ? (performance.now() - burstEnd) / 1000 : null;
  ctx.log(
    `burst at ${rate}/s for ${plan.burstMs / 1000} s: accepted ${load.ok}, backlog ${peakBacklog}, drained in ${drainSec?.toFixed(1) ?? 'n/a'} s`,
  );
  return { peakBacklog, drainSec, burstSec: (burstEnd - t0) / 1000 };
}
