// Optional StatsD/Graphite output (STATSD_HOST): every STATSD_INTERVAL_MS the registry is read
// and pushed over UDP. Counters and histogram sums/counts go as count deltas since the last
// push, gauges as gauges. Labels become name segments (`ingest_outcomes_total.outcome_accepted`),
// since plain StatsD and Graphite have no tags.
import { StatsD } from 'hot-shots';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Logger } from '../shared/log.js';
import { registry } from './registry.js';

export const STATSD_INTERVAL_MS = 10_000; // Graphite's usual resolution

export interface StatsdOptions {
  host: string;
  port: number;
  prefix: string;
  intervalMs?: number;
}

export function startStatsdExport(opts: StatsdOptions, log: Logger): { stop: () => Promise<void> } {
  let warned = false;
  const client = new StatsD({
    host: opts.host,
    port: opts.port,
    prefix: opts.prefix,
    maxBufferSize: 1400, // one Ethernet-sized datagram
    bufferFlushInterval: 200,
    errorHandler: (err) => {
      if (!warned) log.warn({ err, host: opts.host }, 'statsd push failed, metrics are still served at /metrics');
      warned = true;
    },
  });
  const previous = new Map<string, number>();
  const push = async () => {
    for (const line of statsdLines(await registry.getMetricsAsJSON(), previous)) {
      if (line.kind === 'count') client.increment(line.name, line.value);
      else client.gauge(line.name, line.value);
    }
  };
  const timer = setInterval(() => {
    push().catch((err: unknown) => log.warn({ err }, 'reading metrics for statsd failed'));
  }, opts.intervalMs ?? STATSD_INTERVAL_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await push().catch(() => {});
      await new Promise<void>((resolve) => client.close(() => resolve()));
    },
  };
}

export interface StatsdLine {
  kind: 'count' | 'gauge';
  name: string;
  value: number;
}

/** What to send for a registry snapshot; `previous` keeps counter totals between calls. Pure but for `previous`. */
export function statsdLines(
  metrics: MetricObjectWithValues<MetricValue<string>>[],
  previous: Map<string, number>,
): StatsdLine[] {
  const lines: StatsdLine[] = [];
  for (const m of metrics) {
    const type = String(m.type); // 'counter' | 'gauge' | 'histogram' | 'summary' at run time
    const cumulative = type !== 'gauge';
    for (const v of m.values) {
      const sampleName = (v as { metricName?: string }).metricName ?? m.name;
      if (type !== 'counter' && type !== 'gauge' && !/_(sum|count)$/.test(sampleName)) continue; // buckets, quantiles
      const labels = Object.entries(v.labels).filter(([k]) => k !== 'le' && k !== 'quantile');
      const name = [sampleName.replace(/^faultline_/, ''), ...labels.map(([k, val]) => `${k}_${String(val)}`)]
        .map(segment)
        .join('.');
      if (!cumulative) {
        lines.push({ kind: 'gauge', name, value: v.value });
        continue;
      }
      const delta = v.value - (previous.get(name) ?? 0);
      previous.set(name, v.value);
      if (delta > 0) lines.push({ kind: 'count', name, value: delta });
    }
  }
  return lines;
}

function segment(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}
