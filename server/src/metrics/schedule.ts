// The periodic tasks' metrics (scheduler/run.ts): runs by task and outcome, their duration, and
// when each last succeeded in this process (across processes, take the max).
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from './registry.js';

export const scheduleRuns = new Counter({
  name: 'faultline_schedule_runs_total',
  help: 'Runs of periodic tasks by task and outcome: success, or failure (retried at the next tick).',
  labelNames: ['task', 'outcome'] as const,
  registers: [registry],
});

export const scheduleRunDuration = new Histogram({
  name: 'faultline_schedule_run_seconds',
  help: 'Duration of one run of a periodic task.',
  labelNames: ['task'] as const,
  buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
  registers: [registry],
});

export const scheduleLastSuccess = new Gauge({
  name: 'faultline_schedule_last_success_timestamp_seconds',
  help: 'When this process last finished a run of the task successfully (Unix seconds; max over processes).',
  labelNames: ['task'] as const,
  registers: [registry],
});
