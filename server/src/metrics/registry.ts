// Faultline's own Prometheus metrics: one registry per process, the metrics defined once here
// so any module can record (ingest outcomes, pipeline batches, dead letters, SMTP deliveries).
// Gauges read at scrape time (queue depth, Postgres pool) are in runtime.ts; GET /metrics and
// the StatsD push read this registry.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();

export const ingestOutcomes = new Counter({
  name: 'faultline_ingest_outcomes_total',
  help: 'Ingest requests by outcome: accepted, or the drop reason (invalid-auth, rate-limited, queue-unavailable, ...).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'faultline_http_requests_total',
  help: 'HTTP requests by part (ingest, api, ui, health, metrics) and status class.',
  labelNames: ['part', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'faultline_http_request_duration_seconds',
  help: 'HTTP request duration by part.',
  labelNames: ['part'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

export const pipelineBatchSize = new Histogram({
  name: 'faultline_pipeline_batch_size',
  help: 'Jobs per pipeline batch.',
  buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
  registers: [registry],
});

export const pipelineBatchDuration = new Histogram({
  name: 'faultline_pipeline_batch_duration_seconds',
  help: 'Time to process one pipeline batch (prepare, commit, publish, notify).',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const pipelineStepDuration = new Histogram({
  name: 'faultline_pipeline_step_seconds',
  help: "Time one batch spent in each pipeline step (per-event steps: over all of the batch's events).",
  labelNames: ['step'] as const,
  buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

export const pipelineOutcomes = new Counter({
  name: 'faultline_pipeline_jobs_total',
  help: 'Processed jobs by outcome: stored, duplicate, counted, dropped, invalid, failed.',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const processingLag = new Histogram({
  name: 'faultline_processing_lag_seconds',
  help: 'From ingest accepting an event to the worker committing it.',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  registers: [registry],
});

export const groupingCacheLookups = new Counter({
  name: 'faultline_grouping_cache_lookups_total',
  help: 'Grouping cache lookups by result: hit, miss, or skipped (event too large to key).',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const deadLetters = new Counter({
  name: 'faultline_dead_letters_total',
  help: 'Jobs given up after their attempts (visible under the dead-letters API).',
  registers: [registry],
});

export const smtpDeliveries = new Counter({
  name: 'faultline_smtp_deliveries_total',
  help: 'Alert emails by result: sent, failed (will retry or gave up), skipped (no SMTP_URL).',
  labelNames: ['status'] as const,
  registers: [registry],
});

export const retentionDropped = new Counter({
  name: 'faultline_retention_dropped_total',
  help: 'What retention removed: event partitions, issues, artifact bundles.',
  labelNames: ['kind'] as const,
  registers: [registry],
});

/** For the alerts module: one call per email delivery attempt. */
export function recordSmtpDelivery(status: 'sent' | 'failed' | 'skipped'): void {
  smtpDeliveries.inc({ status });
}

export function recordIngestOutcome(outcome: string): void {
  ingestOutcomes.inc({ outcome });
}

let processMetricsOn = false;
/** Process metrics (CPU, memory, event loop lag, GC); entrypoints turn them on once. */
export function collectProcessMetrics(): void {
  if (processMetricsOn) return;
  processMetricsOn = true;
  collectDefaultMetrics({ register: registry, prefix: 'faultline_' });
}
