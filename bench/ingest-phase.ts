// Phase "ingest": the ingest process alone (split mode, no worker running) against the bare Koa
// baseline, per payload: the maximum accepted rate (closed loop), then open-loop runs at
// fractions of it with latency percentiles, the baseline at the same offered rates. The queue
// is emptied after every run so Redis memory stays flat.
import type { Proc } from './processes.js';
import { PAYLOAD_KINDS, type PayloadKind } from './payloads.js';
import { specId, targetOf, withCpu, type BenchContext } from './plan.js';
import type { IngestPayloadResult } from './result.js';
import type { LoadResult, LoadSpec } from './load.js';

export async function runIngestPhase(ctx: BenchContext, ingest: Proc, koa: Proc): Promise<IngestPayloadResult[]> {
  const out: IngestPayloadResult[] = [];
  for (const payload of PAYLOAD_KINDS) out.push(await measurePayload(ctx, payload, ingest, koa));
  return out;
}

async function measurePayload(
  ctx: BenchContext,
  payload: PayloadKind,
  ingest: Proc,
  koa: Proc,
): Promise<IngestPayloadResult> {
  const { plan } = ctx;
  const base = (origin: string): Omit<LoadSpec, 'mode' | 'durationMs'> => ({
    id: specId(payload),
    target: targetOf(ctx, origin),
    payload,
    fingerprints: plan.fingerprints,
    zipfS: plan.zipfS,
    seed: 1,
    connections: plan.connections,
  });
  const ft = `http://127.0.0.1:${ingest.port}`;
  const kb = `http://127.0.0.1:${koa.port}`;
  const closed = (origin: string, durationMs = plan.ingestMaxMs) =>
    ctx.load.run({
      ...base(origin),
      mode: 'closed',
      concurrency: plan.ingestConcurrency,
      connections: plan.ingestConcurrency,
      durationMs,
    });
  const open = (origin: string, rate: number) =>
    ctx.load.run({ ...base(origin), mode: 'open', rate, durationMs: plan.ingestRateMs });

  // Warm-up (not recorded): JIT compilation, the key cache and connection pools settle first.
  await closed(ft, plan.warmupMs);
  await closed(kb, plan.warmupMs);
  await clearQueue(ctx);
  const max = await withCpu(
    ctx,
    `ingest max, ${payload}`,
    [ingest],
    () => closed(ft),
    (r) => r.ok,
  );
  await clearQueue(ctx);
  checkFailures(ctx, `ingest max ${payload}`, max);
  const koaMax = await withCpu(
    ctx,
    `koa max, ${payload}`,
    [koa],
    () => closed(kb),
    (r) => r.ok,
  );
  ctx.log(`ingest ${payload}: max ${Math.round(max.acceptedPerSec)}/s (koa ${Math.round(koaMax.acceptedPerSec)}/s)`);
  const rates: IngestPayloadResult['rates'] = [];
  for (const fraction of plan.ingestRateFractions) {
    const offered = Math.max(1, Math.round(max.acceptedPerSec * fraction));
    const r = await open(ft, offered);
    await clearQueue(ctx);
    checkFailures(ctx, `ingest ${payload} at ${offered}/s`, r);
    const k = await open(kb, offered);
    rates.push({
      offeredPerSec: offered,
      acceptedPerSec: r.acceptedPerSec,
      failed: r.failed,
      latencyMs: r.latencyMs,
      koaLatencyMs: k.latencyMs,
    });
    ctx.log(
      `ingest ${payload} at ${offered}/s: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms (koa p99 ${k.latencyMs.p99} ms)`,
    );
  }
  return {
    payload,
    eventBytes: max.eventBytes,
    bodyBytes: max.bodyBytes,
    maxAcceptedPerSec: max.acceptedPerSec,
    koaMaxPerSec: koaMax.acceptedPerSec,
    ratioToKoa: koaMax.acceptedPerSec > 0 ? max.acceptedPerSec / koaMax.acceptedPerSec : 0,
    rates,
  };
}

/** Drops every waiting job (no worker runs during this phase). */
export async function clearQueue(ctx: BenchContext): Promise<void> {
  await ctx.queue.drain(true);
}

export function checkFailures(ctx: BenchContext, what: string, r: LoadResult): void {
  if (r.failed === 0) return;
  ctx.errors.push(
    `${what}: ${r.failed} of ${r.sent} requests failed (${JSON.stringify(r.statuses)}; first: ${r.firstError})`,
  );
}
