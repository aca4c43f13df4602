// The daily events partitions the worker needs: created at worker start and every
// PARTITION_CHECK_MS by the schedule (schedule.ts), from the oldest day an event may carry to a
// few days ahead.
import type { Queryable } from '../db/pool.js';
import { ensureEventPartitions } from './queries.js';

const PARTITIONS_BEHIND_DAYS = 31; // events up to 30 days old are accepted (timestamp clamp)
const PARTITIONS_AHEAD_DAYS = 3; // and up to 60 s in the future; days ahead cover a long outage
export const PARTITION_CHECK_MS = 6 * 3600 * 1000; // the check is cheap; run it often enough to never miss a day

/** Returns how many partitions it created. */
export async function ensureUpcomingPartitions(
  db: Queryable,
  retentionDays: number,
  now = Date.now(),
): Promise<number> {
  const day = (offsetDays: number) => new Date(now + offsetDays * 86_400_000).toISOString().slice(0, 10);
  // Never behind the retention cutoff: retention (retention/run.ts) would drop them again.
  return ensureEventPartitions(db, day(-Math.min(PARTITIONS_BEHIND_DAYS, retentionDays)), day(PARTITIONS_AHEAD_DAYS));
}
