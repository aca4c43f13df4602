// Phase "queue": with the worker stopped, N typical events are accepted by the ingest process
// and left in Redis — memory per queued event, from INFO used_memory and from MEMORY USAGE of
// the queue's own keys (the shared Redis may hold other tenants' keys). Every old fingerprint is
// sent first, so these events also create the issues the later phases find. Then the split
// worker starts and drains them: the worker's capacity with nothing else competing.
import { setTimeout as sleep } from 'node:timers/promises';
import { bullPrefix, isBatchJob } from '../server/src/shared/queues.js';
import { processedEvents } from './database.js';
import { checkFailures } from './ingest-phase.js';
import { specId, targetOf, withCpu, type BenchContext } from './plan.js';
import { startFaultline, type Proc } from './processes.js';
import { newVariants } from './zipf.js';

export interface QueueFigures {
  queued: number;
  redisBytesPerQueuedEvent: number | null;
  usedMemoryDeltaPerEvent: number | null;
  /** One accepted event id per old fingerprint variant (index → event id). */
  variantEvents: Map<number, string>;
}

export async function fillQueue(ctx: BenchContext, ingestOrigin: string): Promise<QueueFigures> {
  const { plan } = ctx;
  await ctx.queue.drain(true);
  const fresh = new Set(newVariants(plan.fingerprints, plan.newFraction));
  const old = Array.from({ length: plan.fingerprints }, (_, i) => i).filter((i) => !fresh.has(i));
  await sleep(200);
  const memBefore = await usedMemory(ctx);
  const base = {
    target: targetOf(ctx, ingestOrigin),
    payload: 'envelope' as const,
    fingerprints: plan.fingerprints,
    zipfS: plan.zipfS,
    connections: plan.connections,
  };
  const seed = await ctx.load.run({
    ...base,
    id: specId('seed'),
    seed: 2,
    sequence: old,
    mode: 'closed',
    concurrency: 8,
    durationMs: 60_000,
    collectIds: true,
  });
  checkFailures(ctx, 'seeding old fingerprints', seed);
  const rest = Math.max(0, plan.queuedEvents - old.length);
  const bulk = await ctx.load.run({
    ...base,
    id: specId('envelope'),
    seed: 3,
    exclude: [...fresh],
    maxRequests: rest,
    mode: 'closed',
    concurrency: plan.ingestConcurrency,
    durationMs: 120_000,
  });
  checkFailures(ctx, 'queueing events', bulk);
  // Waiting items: in plain and prioritized jobs (ingest's flood lane queues some events at a
  // lower priority); a micro-batch job holds many.
  const jobs = await ctx.queue.getJobs(['wait', 'prioritized', 'delayed']);
  const queued = jobs.reduce((n, j) => {
    const data: unknown = j.data;
    return n + (isBatchJob(data) ? data.items.length : 1);
  }, 0);
  const memAfter = await usedMemory(ctx);
  const keyBytes = await queueKeyBytes(ctx);
  const variantEvents = new Map<number, string>();
  for (const [id, , variant] of seed.accepted ?? []) variantEvents.set(variant, id);
  return {
    queued,
    redisBytesPerQueuedEvent: queued > 0 ? keyBytes / queued : null,
    usedMemoryDeltaPerEvent:
      queued > 0 && memBefore !== null && memAfter !== null ? (memAfter - memBefore) / queued : null,
    variantEvents,
  };
}

/**
 * Starts the split worker and times how long it takes to process everything queued. The queue
 * is paused by the caller; `started` runs once the worker is up (idle memory) and resumes it.
 */
export async function drainWithWorker(
  ctx: BenchContext,
  queued: number,
  started: (worker: Proc) => Promise<void>,
): Promise<{ worker: Proc; seconds: number; eventsPerSec: number; groupingCacheHitRate: number | null }> {
  const before = await processedEvents(ctx.db.pool);
  const worker = await startFaultline('worker', ctx.env, { cpuProf: ctx.cpuProfDir });
  await started(worker);
  const t0 = performance.now();
  const end = t0 + ctx.plan.drainTimeoutMs * 2;
  const done = await withCpu(
    ctx,
    'worker drain (split)',
    [worker],
    async () => {
      let n = before;
      while (performance.now() < end && n < before + queued) {
        await sleep(50);
        n = await processedEvents(ctx.db.pool);
      }
      return n;
    },
    (n) => n - before,
  );
  const seconds = (performance.now() - t0) / 1000;
  if (done < before + queued) ctx.errors.push(`split worker drained only ${done - before} of ${queued} queued events`);
  const groupingCacheHitRate = await groupingCacheHitRateOf(worker);
  ctx.log(
    `split worker drained ${done - before} events in ${seconds.toFixed(1)} s; grouping cache hit rate ${groupingCacheHitRate === null ? 'n/a' : `${(groupingCacheHitRate * 100).toFixed(1)} %`}`,
  );
  return { worker, seconds, eventsPerSec: (done - before) / seconds, groupingCacheHitRate };
}

/** Hits / lookups of the worker's grouping cache so far, from its /metrics. */
export async function groupingCacheHitRateOf(proc: Proc): Promise<number | null> {
  const text = await fetch(`http://127.0.0.1:${proc.port}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const count = (result: string) =>
    Number(
      new RegExp(`^faultline_grouping_cache_lookups_total\\{result="${result}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0,
    );
  const hits = count('hit');
  const total = hits + count('miss') + count('skipped');
  return total > 0 ? hits / total : null;
}

async function usedMemory(ctx: BenchContext): Promise<number | null> {
  const m = /^used_memory:(\d+)/m.exec(await ctx.redis.info('memory'));
  return m ? Number(m[1]) : null;
}

/** MEMORY USAGE summed over every key of our BullMQ prefix. */
async function queueKeyBytes(ctx: BenchContext): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await ctx.redis.scan(cursor, 'MATCH', `${bullPrefix(ctx.redisPrefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    const pipe = ctx.redis.pipeline();
    for (const k of keys) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    for (const [err, bytes] of (await pipe.exec()) ?? []) if (!err && typeof bytes === 'number') total += bytes;
  } while (cursor !== '0');
  return total;
}
