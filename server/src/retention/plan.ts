// What retention keeps and drops, as pure functions of the clock: the cutoff (UTC midnight,
// RETENTION_DAYS before now), the daily event partitions older than it, and the days whose
// partitions must exist ahead of time.

const DAY_MS = 86_400_000;
const PARTITION_NAME = /^events_(\d{4})(\d{2})(\d{2})$/;

/** Partitions created this many days ahead of `now`: a long outage of this job loses nothing. */
export const PARTITIONS_AHEAD_DAYS = 3;

/** The start of the oldest day that is kept: events before it are past retention. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - retentionDays * DAY_MS);
}

/** The day a partition holds (`events_20260131` → 2026-01-31T00:00Z), or null for other names. */
export function partitionDay(name: string): Date | null {
  const m = PARTITION_NAME.exec(name);
  if (!m) return null;
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return Number.isNaN(day.getTime()) ? null : day;
}

/** Partitions whose whole day lies before the cutoff, oldest first. */
export function partitionsToDrop(names: string[], cutoff: Date): string[] {
  return names
    .map((name) => ({ name, day: partitionDay(name) }))
    .filter((p): p is { name: string; day: Date } => p.day !== null && p.day.getTime() + DAY_MS <= cutoff.getTime())
    .sort((a, b) => a.day.getTime() - b.day.getTime())
    .map((p) => p.name);
}

/** [from, to] as YYYY-MM-DD: today through PARTITIONS_AHEAD_DAYS ahead. */
export function partitionDaysAhead(now: Date): [string, string] {
  const day = (offset: number) => new Date(now.getTime() + offset * DAY_MS).toISOString().slice(0, 10);
  return [day(0), day(PARTITIONS_AHEAD_DAYS)];
}
