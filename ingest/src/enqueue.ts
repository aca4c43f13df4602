// The producer side of the process-event queue. Concurrent requests are coalesced into one
// BullMQ addBulk per micro-batch (a millisecond or N jobs), and each request's promise settles
// only after the bulk add did: a 200 means the event is in Redis. A dead Redis fails fast.
import type { JobsOptions, Queue } from 'bullmq';
import { DEFAULT_JOB_OPTIONS, type ProcessJob } from '../../server/src/shared/queues.js';
import type { Logger } from '../../server/src/shared/log.js';
import { ENQUEUE_BATCH_MAX_JOBS, ENQUEUE_BATCH_WAIT_MS, ENQUEUE_TIMEOUT_MS } from './limits.js';

export interface QueuedJob {
  name: string;
  data: ProcessJob;
  /** BullMQ job id; events use eventJobId() so re-sent events collapse. */
  jobId?: string;
  /** BullMQ priority: flood events (flood-lane.ts) yield to every job without one. */
  priority?: number;
}

export interface Enqueuer {
  /** Resolves once the jobs are stored in Redis; rejects with QueueUnavailableError otherwise. */
  enqueue(jobs: QueuedJob[]): Promise<void>;
  /** Flushes what is waiting and waits for in-flight adds. */
  close(): Promise<void>;
}

export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

export interface EnqueuerOptions {
  /** Cheap reachability check (no round trip), e.g. a Redis client's status. */
  isReady: () => boolean;
  /** Runs after each bulk add and must resolve before its requests get their 200, e.g. a Redis WAIT
   *  for a replica so that a failover cannot lose an acknowledged event. */
  confirm?: () => Promise<void>;
  log: Logger;
  batchWaitMs?: number;
  maxBatchJobs?: number;
  timeoutMs?: number;
}

interface Waiter {
  jobs: QueuedJob[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/** The queue's bulk add: the BullMQ queue itself, or the spool in front of it (spool.ts). */
export type BulkAdder = Pick<Queue<ProcessJob>, 'addBulk'> | { addBulk(jobs: Array<{ name: string; data: ProcessJob; opts: JobsOptions }>): Promise<unknown> };

export function createEnqueuer(queue: BulkAdder, opts: EnqueuerOptions): Enqueuer {
  const waitMs = opts.batchWaitMs ?? ENQUEUE_BATCH_WAIT_MS;
  const maxJobs = opts.maxBatchJobs ?? ENQUEUE_BATCH_MAX_JOBS;
  const timeoutMs = opts.timeoutMs ?? ENQUEUE_TIMEOUT_MS;
  let waiting: Waiter[] = [];
  let waitingJobs = 0;
  let timer: NodeJS.Timeout | undefined;
  const inflight = new Set<Promise<void>>();

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    waitingJobs = 0;
    if (batch.length === 0) return;
    const bulk = batch.flatMap((w) =>
      w.jobs.map((j) => ({ name: j.name, data: j.data, opts: jobOptions(j.jobId, j.priority) })),
    );
    const added = queue.addBulk(bulk).then(() => opts.confirm?.());
    const done = withTimeout(added, timeoutMs).then(
      () => batch.forEach((w) => w.resolve()),
      (err: unknown) => {
        opts.log.warn({ err, jobs: bulk.length }, 'enqueue failed, answering 503');
        const failure = new QueueUnavailableError('event queue is not reachable', { cause: err });
        batch.forEach((w) => w.reject(failure));
      },
    );
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  }

  return {
    enqueue(jobs) {
      if (jobs.length === 0) return Promise.resolve();
      if (!opts.isReady()) return Promise.reject(new QueueUnavailableError('event queue is not reachable'));
      return new Promise<void>((resolve, reject) => {
        waiting.push({ jobs, resolve, reject });
        waitingJobs += jobs.length;
        if (waitingJobs >= maxJobs) flush();
        else timer ??= setTimeout(flush, waitMs);
      });
    },
    async close() {
      flush();
      await Promise.allSettled([...inflight]);
    },
  };
}

function jobOptions(jobId: string | undefined, priority: number | undefined): JobsOptions {
  const opts: JobsOptions = jobId === undefined ? { ...DEFAULT_JOB_OPTIONS } : { ...DEFAULT_JOB_OPTIONS, jobId };
  if (priority !== undefined) opts.priority = priority;
  return opts;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`addBulk (and its confirmation) did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
