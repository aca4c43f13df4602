// Pure shaping of outcome counts for the stats API: buckets (hour or day) over [since, until),
// one series per (outcome, reason, category) in the spirit of Sentry's stats_v2, and the legacy
// `stat=received|rejected|blacklisted` series ([[timestamp, count], …]). No I/O, no clock.

export type Interval = '1h' | '1d';

export interface CountRow {
  hour: string; // ISO start of the hour
  outcome: string;
  reason: string;
  category: string;
  quantity: number;
}

export interface StatsGroup {
  by: { outcome: string; reason: string; category: string };
  totals: { 'sum(quantity)': number };
  series: { 'sum(quantity)': number[] };
}

export interface StatsBody {
  start: string;
  end: string;
  interval: Interval;
  intervals: string[];
  /** Sum per outcome over the whole range (outcomes with nothing are 0). */
  totals: Record<string, number>;
  groups: StatsGroup[];
}

const STEP_MS: Record<Interval, number> = { '1h': 3_600_000, '1d': 86_400_000 };
export const OUTCOMES = [
  'accepted',
  'filtered',
  'rate_limited',
  'invalid',
  'internal_error',
  'client_discard',
] as const;

/** Aligns a range to whole buckets: start rounded down, end rounded up. */
export function bucketRange(
  since: Date,
  until: Date,
  interval: Interval,
): { start: number; end: number; starts: number[] } {
  const step = STEP_MS[interval];
  const start = Math.floor(since.getTime() / step) * step;
  const end = Math.max(start + step, Math.ceil(until.getTime() / step) * step);
  const starts: number[] = [];
  for (let t = start; t < end; t += step) starts.push(t);
  return { start, end, starts };
}

export function buildStats(rows: CountRow[], since: Date, until: Date, interval: Interval): StatsBody {
  const { start, end, starts } = bucketRange(since, until, interval);
  const step = STEP_MS[interval];
  const groups = new Map<string, StatsGroup>();
  const totals: Record<string, number> = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  for (const r of rows) {
    const t = new Date(r.hour).getTime();
    if (t < start || t >= end) continue;
    const key = `${r.outcome}\u0000${r.reason}\u0000${r.category}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        by: { outcome: r.outcome, reason: r.reason, category: r.category },
        totals: { 'sum(quantity)': 0 },
        series: { 'sum(quantity)': starts.map(() => 0) },
      };
      groups.set(key, g);
    }
    const i = Math.floor((t - start) / step);
    g.series['sum(quantity)'][i]! += r.quantity;
    g.totals['sum(quantity)'] += r.quantity;
    totals[r.outcome] = (totals[r.outcome] ?? 0) + r.quantity;
  }
  const sorted = [...groups.values()].sort((a, b) =>
    a.by.outcome + a.by.reason + a.by.category < b.by.outcome + b.by.reason + b.by.category ? -1 : 1,
  );
  return {
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    interval,
    intervals: starts.map((t) => new Date(t).toISOString()),
    totals,
    groups: sorted,
  };
}

export type LegacyStat = 'received' | 'rejected' | 'blacklisted' | 'generated';

/** Sentry's project stats: received = everything that arrived, rejected = rate limited, blacklisted = filtered. */
const LEGACY_OUTCOMES: Record<LegacyStat, readonly string[]> = {
  received: ['accepted', 'filtered', 'rate_limited', 'invalid', 'internal_error'],
  generated: ['accepted', 'filtered', 'rate_limited', 'invalid', 'internal_error'],
  rejected: ['rate_limited'],
  blacklisted: ['filtered'],
};

/** Events only (categories error, default, security), as Sentry's project stats count them. */
const EVENT_CATEGORIES = new Set(['error', 'default', 'security']);

export function buildLegacyStat(
  rows: CountRow[],
  since: Date,
  until: Date,
  interval: Interval,
  stat: LegacyStat,
): Array<[number, number]> {
  const wanted = new Set(LEGACY_OUTCOMES[stat]);
  const body = buildStats(
    rows.filter((r) => wanted.has(r.outcome) && EVENT_CATEGORIES.has(r.category)),
    since,
    until,
    interval,
  );
  const sums = body.intervals.map(() => 0);
  for (const g of body.groups) g.series['sum(quantity)'].forEach((n, i) => (sums[i]! += n));
  return body.intervals.map((iso, i) => [Date.parse(iso) / 1000, sums[i]!]);
}
