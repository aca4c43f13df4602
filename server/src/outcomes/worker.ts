// The worker's part of loss accounting: each settled event job gets its outcome (accepted,
// filtered, rate_limited/spike_protection, invalid, or internal_error once retries are used up),
// counted like ingest's. The schedule (schedule.ts) flushes the counters to Postgres every
// OUTCOME_FLUSH_INTERVAL_MS and prunes the spike-protection dedup rows older than a day; close()
// flushes once more so what this process counted last is not left behind.
import type { Deps } from '../deps.js';
import type { JobOutcome } from '../queue/job-outcome.js';
import { WORKER_COUNTED_AUX_KINDS, type ProcessJob } from '../shared/queues.js';
import { createOutcomeCounter } from '../shared/outcomes/outcome-counter.js';
import { itemCategory, type Outcome } from '../shared/outcomes/outcomes.js';
import { deleteOldSampledEvents } from '../spikes/queries.js';
import type { Pool } from '../db/pool.js';
import { flushOutcomes } from './flush.js';

/** sampled_events only has to outlive re-deliveries (minutes); a day is plenty. */
const SAMPLED_EVENTS_KEEP_MS = 24 * 3600 * 1000;

/** The schedule's hourly prune of sampled_events; returns the rows deleted. */
export function pruneSampledEvents(pool: Pool, now = Date.now()): Promise<number> {
  return deleteOldSampledEvents(pool, new Date(now - SAMPLED_EVENTS_KEEP_MS));
}

/**
 * The outcome of an event job as settled. `before` is the pipeline's answer, `after` the retry
 * policy's: a failure turned `invalid` after its last attempt is our loss, not the sender's.
 */
export function outcomeOfJob(before: JobOutcome, after: JobOutcome): Outcome | null {
  switch (after.kind) {
    case 'stored':
      return { outcome: 'accepted' };
    case 'sampled':
      return { outcome: 'rate_limited', reason: 'spike_protection' };
    case 'filtered':
      return { outcome: 'filtered', reason: after.reason };
    case 'dropped':
      return after.reason === 'unknown-project' ? { outcome: 'invalid', reason: 'unknown-project' } : null;
    case 'invalid':
      return before.kind === 'failed'
        ? { outcome: 'internal_error', reason: 'processing-failed' }
        : { outcome: 'invalid', reason: 'invalid-event' };
    default:
      return null; // duplicate (counted on its first delivery), failed (will be retried), aux jobs
  }
}

/** Feedback and check-ins: accepted once recorded, invalid when dropped (the reason names why). */
export function outcomeOfAuxItem(after: JobOutcome): Outcome | null {
  if (after.kind === 'counted') return { outcome: 'accepted' };
  if (after.kind === 'dropped') {
    const r = after.reason;
    return {
      outcome: 'invalid',
      reason:
        r === 'invalid-feedback' || r === 'invalid-check-in' || r === 'unknown-monitor' || r === 'monitor-other-project'
          ? r
          : 'invalid-item',
    };
  }
  if (after.kind === 'invalid') return { outcome: 'invalid', reason: 'invalid-item' };
  return null;
}

export interface WorkerOutcomes {
  /** Counts a settled job's outcome and hands `after` back. */
  count(job: ProcessJob, before: JobOutcome, after: JobOutcome): JobOutcome;
  close(): Promise<void>;
}

export function startWorkerOutcomes(deps: Deps): WorkerOutcomes {
  const log = deps.log.child({ component: 'worker.outcomes' });
  const prefix = deps.config.redis.prefix;
  const counter = createOutcomeCounter(deps.redis, prefix, { log });
  return {
    count(job, before, after) {
      if (job.kind !== 'event') {
        const o = WORKER_COUNTED_AUX_KINDS.has(job.kind) ? outcomeOfAuxItem(after) : null;
        if (o) counter.add(job.projectId, itemCategory(job.kind), o, 1, job.receivedAt);
        return after;
      }
      const o = outcomeOfJob(before, after);
      if (!o) return after;
      counter.add(job.projectId, 'error', o, 1, job.receivedAt);
      if (o.outcome === 'internal_error')
        log.error(
          { eventId: job.eventId, projectId: job.projectId },
          'event lost to a processing failure, see the dead letters',
        );
      return after;
    },
    async close() {
      await counter.close();
      await flushOutcomes({ pool: deps.pool, redis: deps.redis, prefix, log }).catch((err: unknown) =>
        log.warn({ err }, 'flushing outcome counters failed; the next flush of any worker takes them'),
      );
    },
  };
}
