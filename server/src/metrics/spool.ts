// The ingest spool (ingest/src/spool.ts) at /metrics, read when scraped: what waits on disk for
// Redis (bytes, jobs, age of the oldest) and how many jobs were spooled, replayed and refused.
import { Counter, Gauge } from 'prom-client';
import { registry } from './registry.js';

/** What the spool reports (ingest/src/spool.ts SpoolStats; the shape is repeated so server does not import ingest). */
export interface SpoolSource {
  stats(): {
    state: string;
    bytes: number;
    records: number;
    oldestAgeSeconds: number | null;
    appendedTotal: number;
    replayedTotal: number;
    refusedTotal: number;
  };
}

const sources = new Set<SpoolSource>();

/** Starts reporting this spool; returns the function that stops it. */
export function watchSpool(source: SpoolSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

const sum = (f: (s: ReturnType<SpoolSource['stats']>) => number) => [...sources].reduce((n, s) => n + f(s.stats()), 0);

new Gauge({
  name: 'faultline_spool_bytes',
  help: 'Bytes of queue jobs in the ingest spool not yet replayed into Redis.',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.bytes));
  },
});

new Gauge({
  name: 'faultline_spool_jobs',
  help: 'Queue jobs in the ingest spool not yet replayed into Redis.',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.records));
  },
});

new Gauge({
  name: 'faultline_spool_oldest_age_seconds',
  help: 'Age of the oldest job in the ingest spool (0 when it is empty).',
  registers: [registry],
  collect() {
    this.set([...sources].reduce((m, s) => Math.max(m, s.stats().oldestAgeSeconds ?? 0), 0));
  },
});

new Gauge({
  name: 'faultline_spool_spooling',
  help: '1 while ingest writes accepted events to its spool instead of Redis.',
  registers: [registry],
  collect() {
    this.set([...sources].some((s) => s.stats().state === 'spooling') ? 1 : 0);
  },
});

new Counter({
  name: 'faultline_spool_jobs_total',
  help: 'Queue jobs by what the ingest spool did with them: spooled, replayed, or refused (spool full: 503).',
  labelNames: ['action'] as const,
  registers: [registry],
  collect() {
    this.reset();
    this.inc(
      { action: 'spooled' },
      sum((s) => s.appendedTotal),
    );
    this.inc(
      { action: 'replayed' },
      sum((s) => s.replayedTotal),
    );
    this.inc(
      { action: 'refused' },
      sum((s) => s.refusedTotal),
    );
  },
});
