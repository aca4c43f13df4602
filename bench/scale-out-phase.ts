// Phase "scale-out": the worker role alone draining a pre-filled backlog with 1, 2 and 3 worker
// processes. Per round an ingest process accepts `scaleOutEvents` typical events with no worker
// running (what ingest enqueues, whatever a job holds), then stops; the queue is paused while the
// workers start, resumed once all are up, and the round lasts until every queued event is counted.
// CPU per event from /proc (workers summed, Postgres, Redis) should stay flat as workers are added;
// events/s on a 2-core machine that also runs Postgres and Redis cannot grow much past two.
import { setTimeout as sleep } from 'node:timers/promises';
import { processedEvents } from './database.js';
import { checkFailures } from './ingest-phase.js';
import { specId, targetOf, withCpu, type BenchContext } from './plan.js';
import type { BenchResult } from './result.js';
import { startFaultline, type Proc } from './processes.js';

/** A round gives up after this long: a busy shared machine drains at a small fraction of its capacity. */
const ROUND_DEADLINE_MS = 15 * 60_000;

export type ScaleOutResult = NonNullable<BenchResult['scaleOut']>;

export async function scaleOutPhase(ctx: BenchContext): Promise<ScaleOutResult> {
  const { plan } = ctx;
  const rounds: ScaleOutResult['rounds'] = [];
  for (const workers of plan.scaleOutWorkers) {
    const queued = await fillBacklog(ctx, plan.scaleOutEvents);
    const round = await drainWith(ctx, workers, queued);
    rounds.push(round);
    const cpu = Object.values(round.cpuMsPerEvent).reduce((a, b) => a + b, 0);
    ctx.log(
      `scale-out: ${workers} worker(s) drained ${round.events} events at ${Math.round(round.eventsPerSec)}/s, ${cpu.toFixed(3)} ms CPU per event`,
    );
  }
  return { backlogEvents: plan.scaleOutEvents, rounds };
}

/** Accepts `events` typical events through a fresh ingest process with no worker running. */
async function fillBacklog(ctx: BenchContext, events: number): Promise<number> {
  const { plan } = ctx;
  await ctx.queue.drain(true);
  const ingest = await startFaultline('ingest', ctx.env);
  try {
    // Accepted events, not queued jobs: a job may carry several events.
    const run = await ctx.load.run({
      id: specId('envelope'),
      target: targetOf(ctx, `http://127.0.0.1:${ingest.port}`),
      payload: 'envelope',
      fingerprints: plan.fingerprints,
      zipfS: plan.zipfS,
      seed: 7,
      maxRequests: events,
      mode: 'closed',
      concurrency: plan.ingestConcurrency,
      durationMs: 300_000,
      connections: plan.connections,
    });
    checkFailures(ctx, 'scale-out: filling the backlog', run);
    return run.ok;
  } finally {
    await ingest.stop(); // flushes what it still coalesces
  }
}

/** Starts `n` workers on the paused queue, resumes it, and times the drain of `queued` events. */
async function drainWith(ctx: BenchContext, n: number, queued: number): Promise<ScaleOutResult['rounds'][number]> {
  const before = await processedEvents(ctx.db.pool);
  const target = before + queued;
  await ctx.queue.pause();
  const workers: Proc[] = [];
  try {
    workers.push(...(await Promise.all(Array.from({ length: n }, () => startFaultline('worker', ctx.env)))));
    const end = performance.now() + Math.max(ctx.plan.drainTimeoutMs * 2, ROUND_DEADLINE_MS);
    let t0 = 0;
    const done = await withCpu(
      ctx,
      `worker drain x${n} (scale-out)`,
      workers,
      async () => {
        t0 = performance.now();
        await ctx.queue.resume();
        let count = before;
        while (performance.now() < end && count < target) {
          await sleep(50);
          count = await processedEvents(ctx.db.pool);
        }
        return count - before;
      },
      (x) => x,
    );
    const seconds = (performance.now() - t0) / 1000;
    if (done < queued) ctx.errors.push(`scale-out: ${n} worker(s) drained only ${done} of ${queued} queued events`);
    const cpu = ctx.cpu.at(-1);
    return {
      workers: n,
      events: done,
      seconds,
      eventsPerSec: done / seconds,
      cpuMsPerEvent: cpu?.phase.endsWith('(scale-out)') ? withoutLoad(cpu.msPerEvent) : {},
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** The idle load generator's share is noise here: only the workers, Postgres and Redis count. */
function withoutLoad(ms: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(ms).filter(([k]) => k !== 'load'));
}
