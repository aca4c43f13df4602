// The worker's job handler: the consumer boundary between BullMQ and the batcher. A job carries
// one item or a micro-batch of them (queue/queues.ts, BatchJob). Each item goes through the
// batcher into processBatch on its own, so the items of one job may share a batch with other
// jobs' items or spread over several batches, and one bad item fails only itself:
// - settled items (stored, duplicate, filtered, sampled, dropped …) are counted once;
// - items that failed because Postgres was unreachable stay in the job — its data is cut down to
//   them — and the job goes back to the delayed set without using an attempt (retry-policy.ts);
// - items that failed otherwise, or are invalid, are split off into single-item jobs with the
//   default options and their first backoff delay; those keep the attempts, backoff and dead
//   letters of any job (an invalid one fails for good on its first attempt, as a lone job would).
// A job redelivered half-processed (its worker was killed) is harmless: its stored items come
// back as duplicates and nothing is counted twice (process-event.ts, "Redelivery").
import { UnrecoverableError, type Job, type JobsOptions, type Queue } from 'bullmq';
import type { Logger } from '../shared/log.js';
import { isDependencyOutage, type RetryPolicy } from '../dead-letters/retry-policy.js';
import type { WorkerOutcomes } from '../outcomes/worker.js';
import {
  DEFAULT_JOB_OPTIONS,
  batchJobSchema,
  eventJobId,
  isBatchJob,
  type BatchJob,
  type ProcessJob,
} from '../shared/queues.js';
import type { Batcher } from './batcher.js';
import type { JobOutcome } from '../queue/job-outcome.js';

/** What a micro-batch job returns: how many items it held and how many were split off. */
export interface BatchJobOutcome {
  kind: 'batch';
  items: number;
  split: number;
}

export interface JobHandlerDeps {
  batcher: Batcher<ProcessJob, JobOutcome>;
  retry: RetryPolicy;
  outcomes: WorkerOutcomes;
  /** Where split-off items go (the process-event queue). */
  queue: Pick<Queue<ProcessJob>, 'addBulk'>;
  log: Logger;
  /** Items of micro-batch jobs in the batcher at once (bounded worker memory); a job waits for room. */
  maxItemsInFlight: number;
}

export type JobHandler = (job: Job<ProcessJob>, token: string | undefined) => Promise<JobOutcome | BatchJobOutcome>;

export function createJobHandler(deps: JobHandlerDeps): JobHandler {
  const room = createRoom(deps.maxItemsInFlight);
  return async (job, token) => {
    const data: unknown = job.data;
    if (isBatchJob(data)) {
      const n = Array.isArray(data.items) ? data.items.length : 0;
      await room.take(n);
      try {
        return await handleBatch(deps, job, data, token);
      } finally {
        room.give(n);
      }
    }
    const before = await deps.batcher.add(job.data);
    return settle(deps.outcomes.count(job.data, before, await deps.retry.review(before, job, token)));
  };
}

async function handleBatch(
  deps: JobHandlerDeps,
  job: Job<ProcessJob>,
  data: BatchJob,
  token: string | undefined,
): Promise<BatchJobOutcome> {
  const parsed = batchJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`batch job does not match its schema: ${parsed.error.message}`);
  const items = parsed.data.items as ProcessJob[]; // each item is checked against its schema in processBatch
  const before = await Promise.all(items.map((item) => deps.batcher.add(item)));
  const failed: number[] = [];
  for (const [i, outcome] of before.entries()) {
    if (outcome.kind === 'failed' || outcome.kind === 'invalid') failed.push(i);
    else deps.outcomes.count(items[i]!, outcome, await deps.retry.review(outcome, job, token));
  }
  if (failed.length === 0) return { kind: 'batch', items: items.length, split: 0 };

  const outage = failed.find(
    (i) => before[i]!.kind === 'failed' && isDependencyOutage((before[i] as { error: unknown }).error),
  );
  if (outage !== undefined && token !== undefined) {
    // Keep only what is left to do; the retry policy delays the job and throws DelayedError.
    await job.updateData({
      v: 1,
      kind: 'batch',
      items: failed.map((i) => items[i]!),
    } satisfies BatchJob as unknown as ProcessJob);
    await deps.retry.review(before[outage]!, job, token);
  }
  await deps.queue.addBulk(failed.map((i) => splitJob(items[i]!)));
  deps.log.warn(
    { jobId: job.id, items: items.length, split: failed.length },
    'items of a batch job failed, split off into jobs of their own',
  );
  return { kind: 'batch', items: items.length, split: failed.length };
}

/** Counts items in flight; take() waits (in order) until n more fit, or nothing is in flight. */
function createRoom(max: number): { take(n: number): Promise<void>; give(n: number): void } {
  let used = 0;
  const waiting: Array<{ n: number; go: () => void }> = [];
  const fits = (n: number) => used === 0 || used + n <= max;
  return {
    take(n) {
      if (waiting.length === 0 && fits(n)) {
        used += n;
        return Promise.resolve();
      }
      return new Promise((go) => waiting.push({ n, go }));
    },
    give(n) {
      used -= n;
      while (waiting.length > 0 && fits(waiting[0]!.n)) {
        const next = waiting.shift()!;
        used += next.n;
        next.go();
      }
    },
  };
}

/** A failed item as a job of its own, retried after the first backoff delay like any failed job. */
function splitJob(item: ProcessJob): { name: string; data: ProcessJob; opts: JobsOptions } {
  const backoff = DEFAULT_JOB_OPTIONS.backoff;
  const delay = typeof backoff === 'object' ? (backoff.delay ?? 0) : (backoff ?? 0);
  const opts: JobsOptions = { ...DEFAULT_JOB_OPTIONS, delay };
  const { kind, projectId, eventId } = item as { kind?: unknown; projectId?: unknown; eventId?: unknown };
  if (kind === 'event' && typeof projectId === 'string' && typeof eventId === 'string')
    opts.jobId = eventJobId(projectId, eventId);
  return { name: typeof kind === 'string' ? kind : 'invalid', data: item, opts };
}

/** A job's result for BullMQ: returns for done work, throws to retry or to fail for good. */
export function settle(outcome: JobOutcome): JobOutcome {
  if (outcome.kind === 'invalid') throw new UnrecoverableError(outcome.message);
  if (outcome.kind === 'failed') throw outcome.error;
  return outcome;
}
