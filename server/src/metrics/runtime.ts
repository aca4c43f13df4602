// Gauges read when /metrics is scraped (or StatsD pushes): the process-event queue's depth per
// state and the age of its oldest waiting job, and the Postgres pool's connections. Entrypoints
// register their pool and queue with watchRuntime(); a dead Redis leaves the queue gauges empty
// instead of failing the scrape.
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import type { Pool } from '../db/pool.js';
import { registry } from './registry.js';

export interface RuntimeSource {
  pool: Pick<Pool, 'totalCount' | 'idleCount' | 'waitingCount'>;
  queue: Pick<Queue, 'getJobCounts' | 'getJobs'>;
}

const SCRAPE_TIMEOUT_MS = 1_000; // a scrape must answer even while Redis hangs
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;
const sources = new Set<RuntimeSource>();

/** Starts reporting this pool and queue; returns the function that stops it. */
export function watchRuntime(source: RuntimeSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

function current(): RuntimeSource | undefined {
  return [...sources].at(-1);
}

new Gauge({
  name: 'faultline_queue_jobs',
  help: 'Jobs in the process-event queue by state (failed = dead letters kept for inspection).',
  labelNames: ['state'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const source = current();
    if (!source) return;
    const counts = await withTimeout(source.queue.getJobCounts(...QUEUE_STATES));
    for (const state of QUEUE_STATES) if (counts) this.set({ state }, counts[state] ?? 0);
  },
});

new Gauge({
  name: 'faultline_queue_oldest_waiting_seconds',
  help: 'Age of the oldest job waiting in the process-event queue (0 when empty).',
  registers: [registry],
  async collect() {
    this.reset();
    const source = current();
    if (!source) return;
    const oldest = await withTimeout(source.queue.getJobs(['wait'], 0, 0, true));
    if (!oldest) return;
    const job = oldest[0];
    this.set(job ? Math.max(0, (Date.now() - job.timestamp) / 1000) : 0);
  },
});

new Gauge({
  name: 'faultline_db_pool_connections',
  help: 'Postgres pool connections: total, idle, and clients waiting for one.',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    if (sources.size === 0) return;
    let total = 0,
      idle = 0,
      waiting = 0;
    for (const { pool } of sources) {
      total += pool.totalCount;
      idle += pool.idleCount;
      waiting += pool.waitingCount;
    }
    this.set({ state: 'total' }, total);
    this.set({ state: 'idle' }, idle);
    this.set({ state: 'waiting' }, waiting);
  },
});

async function withTimeout<T>(p: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), SCRAPE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([p.catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
