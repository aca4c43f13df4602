// A monitor's schedule: a crontab expression in a time zone, or an interval. Pure: parsing,
// validation with a message naming what is wrong, and the next expected check-in after a time.
//
// Crontab times are wall-clock times of the monitor's time zone (cron-parser does the zone
// arithmetic). Across daylight-saving changes, as cron daemons do: a time that does not exist
// (02:30 on the spring-forward night in Europe/Berlin) runs once, an hour later in wall time
// (03:30, the same instant it would have been without the gap); a time that exists twice (02:30
// on the fall-back night) runs once, at its first occurrence; "every hour" stays every hour in
// absolute time, so the repeated hour runs twice. Intervals are absolute from the last check-in
// (minutes, hours, days, weeks) or calendar months/years in UTC, as Sentry's relativedelta.
import { CronExpressionParser } from 'cron-parser';

export const INTERVAL_UNITS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

export type Schedule =
  | { type: 'crontab'; value: string; timezone: string }
  | { type: 'interval'; value: number; unit: IntervalUnit; timezone: string };

export const MAX_CRONTAB_CHARS = 100; // bounded before any parsing
const MAX_INTERVAL = 100_000; // Sentry has no bound; this keeps dates finite
const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A time zone name the runtime knows ("UTC", "Europe/Vienna"), else null. */
export function isTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Checks a schedule; returns the problem as a sentence, or null when it is valid. */
export function scheduleProblem(s: Schedule): string | null {
  if (!isTimeZone(s.timezone)) return `unknown time zone "${s.timezone.slice(0, 64)}"`;
  if (s.type === 'interval') {
    if (!Number.isInteger(s.value) || s.value < 1 || s.value > MAX_INTERVAL)
      return `interval must be a whole number from 1 to ${MAX_INTERVAL}`;
    if (!INTERVAL_UNITS.includes(s.unit)) return `interval unit must be one of ${INTERVAL_UNITS.join(', ')}`;
    return null;
  }
  const expr = crontabFields(s.value);
  if (typeof expr !== 'string') return expr.problem;
  try {
    CronExpressionParser.parse(expr, { tz: s.timezone, strict: false });
    return null;
  } catch (err) {
    return `crontab "${s.value}" does not parse: ${(err as Error).message}`;
  }
}

function crontabFields(value: string): string | { problem: string } {
  if (value.length > MAX_CRONTAB_CHARS) return { problem: `crontab is longer than ${MAX_CRONTAB_CHARS} characters` };
  const trimmed = value.trim().replace(/\s+/g, ' ');
  const expr = NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
  if (expr.split(' ').length !== 5)
    return { problem: `crontab "${value}" does not parse: it needs 5 fields (minute hour day month weekday)` };
  return expr;
}

/** The first expected check-in strictly after `after` (crontab ticks are whole minutes). */
export function nextExpected(s: Schedule, after: Date): Date {
  if (s.type === 'interval') return addInterval(after, s.value, s.unit);
  const expr = crontabFields(s.value);
  if (typeof expr !== 'string') throw new Error(expr.problem);
  return CronExpressionParser.parse(expr, { currentDate: after, tz: s.timezone, strict: false }).next().toDate();
}

function addInterval(from: Date, n: number, unit: IntervalUnit): Date {
  const d = new Date(from.getTime());
  switch (unit) {
    case 'minute':
      return new Date(d.getTime() + n * 60_000);
    case 'hour':
      return new Date(d.getTime() + n * 3_600_000);
    case 'day':
      return new Date(d.getTime() + n * 86_400_000);
    case 'week':
      return new Date(d.getTime() + n * 7 * 86_400_000);
    case 'month':
      d.setUTCMonth(d.getUTCMonth() + n);
      return d;
    case 'year':
      d.setUTCFullYear(d.getUTCFullYear() + n);
      return d;
  }
}
