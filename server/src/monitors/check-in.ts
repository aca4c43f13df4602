// A `check_in` envelope item as SDKs and `sentry-cli monitors run` send it (Relay's
// relay-monitors crate): parsed and bounded here, pure. A bad item is dropped with an outcome
// naming the field; it never fails the worker.
import { z } from 'zod';
import { INTERVAL_UNITS, MAX_CRONTAB_CHARS, scheduleProblem, type Schedule } from './schedule.js';

export const MAX_SLUG_CHARS = 50; // Relay's limit
const MAX_ENVIRONMENT_CHARS = 64;
const MAX_MINUTES = 365 * 24 * 60; // margins and runtimes beyond a year are mistakes
const MAX_THRESHOLD = 720;

const uuid = z
  .string()
  .max(36)
  .transform((s) => s.replaceAll('-', '').toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{32}$/, 'must be a UUID'));
const minutes = z.number().int().min(0).max(MAX_MINUTES);
const threshold = z.number().int().min(1).max(MAX_THRESHOLD);

export const monitorConfigSchema = z.object({
  schedule: z.discriminatedUnion('type', [
    z.object({ type: z.literal('crontab'), value: z.string().min(1).max(MAX_CRONTAB_CHARS) }),
    z.object({ type: z.literal('interval'), value: z.number().int().min(1), unit: z.enum(INTERVAL_UNITS) }),
  ]),
  checkin_margin: minutes.nullish(),
  max_runtime: minutes.nullish(),
  timezone: z.string().max(64).nullish(),
  failure_issue_threshold: threshold.nullish(),
  recovery_threshold: threshold.nullish(),
});
export type MonitorConfigInput = z.infer<typeof monitorConfigSchema>;

const checkInSchema = z.object({
  check_in_id: uuid,
  monitor_slug: z
    .string()
    .min(1)
    .max(MAX_SLUG_CHARS * 4),
  status: z.enum(['in_progress', 'ok', 'error']),
  environment: z.string().min(1).max(MAX_ENVIRONMENT_CHARS).nullish(),
  duration: z
    .number()
    .min(0)
    .max(MAX_MINUTES * 60)
    .nullish(),
  monitor_config: monitorConfigSchema.nullish(),
});

/** What the monitor's row holds: the schedule and the alerting knobs, with Sentry's defaults. */
export interface MonitorConfig {
  schedule: Schedule;
  checkinMarginMinutes: number;
  maxRuntimeMinutes: number;
  failureIssueThreshold: number;
  recoveryThreshold: number;
}

export interface CheckIn {
  checkInId: string;
  slug: string;
  status: 'in_progress' | 'ok' | 'error';
  environment: string;
  durationMs: number | null;
  config: MonitorConfig | null;
}

/** Sentry's slugify: lower case, runs of other characters become "-", at most 50 characters. */
export function slugify(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_CHARS);
}

/** A config from monitor_config or the API; a problem names the field. */
export function toMonitorConfig(c: MonitorConfigInput): MonitorConfig | { field: string; problem: string } {
  const timezone = c.timezone ?? 'UTC';
  const schedule: Schedule =
    c.schedule.type === 'crontab'
      ? { type: 'crontab', value: c.schedule.value, timezone }
      : { type: 'interval', value: c.schedule.value, unit: c.schedule.unit, timezone };
  const problem = scheduleProblem(schedule);
  if (problem) return { field: problem.startsWith('unknown time zone') ? 'timezone' : 'schedule', problem };
  return {
    schedule,
    checkinMarginMinutes: c.checkin_margin ?? 1,
    maxRuntimeMinutes: c.max_runtime ?? 30,
    failureIssueThreshold: c.failure_issue_threshold ?? 1,
    recoveryThreshold: c.recovery_threshold ?? 1,
  };
}

export function parseCheckIn(payload: unknown): CheckIn | { problem: string } {
  const r = checkInSchema.safeParse(payload);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return { problem: `${issue.path.join('.') || 'check_in'}: ${issue.message}` };
  }
  const d = r.data;
  const slug = slugify(d.monitor_slug);
  if (slug === '') return { problem: 'monitor_slug: has no letters or digits' };
  let config: MonitorConfig | null = null;
  if (d.monitor_config) {
    const c = toMonitorConfig(d.monitor_config);
    if ('problem' in c) return { problem: `monitor_config.${c.field}: ${c.problem}` };
    config = c;
  }
  return {
    checkInId: d.check_in_id,
    slug,
    status: d.status,
    environment: d.environment ?? 'production',
    durationMs: d.duration == null ? null : Math.round(d.duration * 1000),
    config,
  };
}
