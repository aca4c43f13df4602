// Retention, run by the schedule (schedule.ts) every RETENTION_INTERVAL_MS, one process at a
// time (a lease, db/lease.ts, also keeps a direct call from overlapping, with or without PgBouncer):
// creates the event partitions ahead of time, drops the daily partitions older than RETENTION_DAYS
// (issue counters and hourly counts stay: they live in other tables), deletes issues left without
// events and without activity, deletes old request counts, and expires source-map artifact bundles
// nobody used within the window. The clock is injected so tests can move time forward.
import type { Pool, PoolClient } from '../db/pool.js';
import { withLease } from '../db/lease.js';
import { ensureEventPartitions } from '../events/queries.js';
import type { Logger } from '../shared/log.js';
import { retentionDropped } from '../metrics/registry.js';
import { partitionDaysAhead, partitionsToDrop, retentionCutoff } from './plan.js';
import { deleteFlagMinutesBefore } from '../flags/queries.js';
import {
  deleteAbandonedIssues,
  deleteExpiredRequestCounts,
  deleteExpiredSessionMinuteCounts,
  dropEventPartition,
  listEventPartitions,
} from './queries.js';

export const RETENTION_INTERVAL_MS = 3_600_000; // hourly: cheap when there is nothing to do
const LEASE_TTL_MS = 3_600_000; // a run takes minutes; a crashed holder delays the next one by at most this
const LOCK_TIMEOUT_MS = 5_000; // a partition drop waits at most this long for running queries
const ISSUE_DELETE_BATCH = 1_000;
const REQUEST_COUNT_DELETE_BATCH = 10_000;

export interface RetentionOptions {
  retentionDays: number;
  now: () => Date;
  /** Deletes source-map artifacts uploaded only for releases older than the cutoff; returns how many. */
  expireArtifacts?: (db: PoolClient, cutoff: Date) => Promise<number>;
}

export interface RetentionResult {
  cutoff: Date;
  createdPartitions: number;
  droppedPartitions: string[];
  deletedIssues: number;
  deletedRequestCounts: number;
  expiredArtifacts: number;
}

/** One run; null when another process holds the retention lease. */
export async function runRetention(
  deps: { pool: Pool; log: Logger },
  opts: RetentionOptions,
): Promise<RetentionResult | null> {
  const client = await deps.pool.connect();
  try {
    return await withLease(client, 'retention', LEASE_TTL_MS, () => runLocked(client, deps.log, opts));
  } finally {
    client.release();
  }
}

const FLAG_MINUTES_KEEP_DAYS = 7; // a change's verdict is final after an hour; a week leaves room to look back

async function runLocked(db: PoolClient, log: Logger, opts: RetentionOptions): Promise<RetentionResult> {
  const now = opts.now();
  const cutoff = retentionCutoff(now, opts.retentionDays);
  const [from, to] = partitionDaysAhead(now);
  const createdPartitions = await ensureEventPartitions(db, from, to);
  const droppedPartitions: string[] = [];
  for (const name of partitionsToDrop(await listEventPartitions(db), cutoff)) {
    try {
      await db.query('BEGIN');
      if (await dropEventPartition(db, name, LOCK_TIMEOUT_MS)) droppedPartitions.push(name);
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => {});
      log.warn({ err, partition: name }, 'dropping an expired event partition failed, will retry next run');
    }
  }
  let deletedIssues = 0;
  for (;;) {
    const n = await deleteAbandonedIssues(db, cutoff, ISSUE_DELETE_BATCH); // short statements, no long lock
    deletedIssues += n;
    if (n < ISSUE_DELETE_BATCH) break;
  }
  let deletedRequestCounts = 0;
  for (;;) {
    const n = await deleteExpiredRequestCounts(db, cutoff, REQUEST_COUNT_DELETE_BATCH);
    deletedRequestCounts += n;
    if (n < REQUEST_COUNT_DELETE_BATCH) break;
  }
  while (
    (await deleteExpiredSessionMinuteCounts(db, cutoff, REQUEST_COUNT_DELETE_BATCH)) === REQUEST_COUNT_DELETE_BATCH
  );
  // Minute-resolution flag counters only serve verdicts of recent flag changes (flags/change-health.ts).
  await deleteFlagMinutesBefore(db, new Date(now.getTime() - FLAG_MINUTES_KEEP_DAYS * 24 * 3600_000));
  const expiredArtifacts = opts.expireArtifacts ? await opts.expireArtifacts(db, cutoff) : 0;
  retentionDropped.inc({ kind: 'partition' }, droppedPartitions.length);
  retentionDropped.inc({ kind: 'issue' }, deletedIssues);
  retentionDropped.inc({ kind: 'artifact' }, expiredArtifacts);
  retentionDropped.inc({ kind: 'request_count' }, deletedRequestCounts);
  const result = {
    cutoff,
    createdPartitions,
    droppedPartitions,
    deletedIssues,
    deletedRequestCounts,
    expiredArtifacts,
  };
  if (droppedPartitions.length + deletedIssues + deletedRequestCounts + expiredArtifacts > 0)
    log.info({ ...result }, 'retention removed expired data');
  return result;
}
