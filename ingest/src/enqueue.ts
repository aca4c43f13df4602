// The producer side of the process-event queue. Concurrent requests are coalesced into one
// micro-batch (INGEST_LINGER_MS, JOB_MAX_ITEMS items or JOB_MAX_BYTES of payload), which addJobs
// stores as ONE BullMQ job holding all its items, and each request's promise settles only after
// that add did: a 200 means the event is in Redis. A dead Redis fails fast.
import type { JobsOptions, Queue } from 'bullmq';
import {
  DEFAULT_JOB_OPTIONS,
  JOB_MAX_BYTES,
  JOB_MAX_ITEMS,
  JOB_NAME_BATCH,
  type BatchJob,
  type ProcessJob,
} from '../../server/src/shared/queues.js';
import type { Logger } from '../../server/src/shared/log.js';
import { ENQUEUE_BATCH_MAX_JOBS, ENQUEUE_BATCH_WAIT_MS, ENQUEUE_TIMEOUT_MS } from './limits.js';

/**
 * One accepted item on its way to the queue: the record the queue boundary (addJobs) takes. It
 * is plain JSON, so it can be stored elsewhere and handed to addJobs later unchanged.
 */
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

/** A BullMQ job as addBulk takes it. */
export interface BulkJob {
  name: string;
  data: ProcessJob | BatchJob;
  opts: JobsOptions;
}

/**
 * Packs records into jobs: the records of one priority share micro-batch jobs of at most
 * `maxItems` items and about `maxBytes` of payload; a chunk of one record stays a plain job with
 * its own id (so a lone re-sent event still collapses while queued). Records with the same job
 * id collapse to the first.
 */
export function packJobs(records: readonly QueuedJob[], maxItems = JOB_MAX_ITEMS, maxBytes = JOB_MAX_BYTES): BulkJob[] {
  const seen = new Set<string>();
  const byPriority = new Map<number | undefined, QueuedJob[]>();
  for (const r of records) {
    if (r.jobId !== undefined) {
      if (seen.has(r.jobId)) continue;
      seen.add(r.jobId);
    }
    const lane = byPriority.get(r.priority);
    if (lane) lane.push(r);
    else byPriority.set(r.priority, [r]);
  }
  const jobs: BulkJob[] = [];
  const emit = (chunk: QueuedJob[]) => {
    const first = chunk[0]!;
    if (chunk.length === 1)
      jobs.push({ name: first.name, data: first.data, opts: jobOptions(first.jobId, first.priority) });
    else
      jobs.push({
        name: JOB_NAME_BATCH,
        data: { v: 1, kind: 'batch', items: chunk.map((r) => r.data) },
        opts: jobOptions(undefined, first.priority),
      });
  };
  for (const lane of byPriority.values()) {
    let chunk: QueuedJob[] = [];
    let bytes = 0;
    for (const r of lane) {
      if (chunk.length > 0 && (chunk.length >= maxItems || bytes + r.data.payload.length > maxBytes)) {
        emit(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(r);
      bytes += r.data.payload.length;
    }
    if (chunk.length > 0) emit(chunk);
  }
  return jobs;
}

/**
 * The queue boundary: stores the records (see QueuedJob) in Redis, packed into micro-batch jobs,
 * with one addBulk. Resolves once they are stored. Whatever holds records while Redis is away
 * replays them through this same function.
 */
export async function addJobs(
  queue: BulkAdder | Pick<Queue<ProcessJob>, 'addBulk'>,
  records: readonly QueuedJob[],
): Promise<void> {
  const jobs = packJobs(records);
  if (jobs.length > 0) await (queue as BulkAdder).addBulk(jobs);
}

/** The queue's bulk add: the BullMQ queue itself, or the spool in front of it (spool.ts). */
export interface BulkAdder {
  addBulk(jobs: BulkJob[]): Promise<unknown>;
}

export function createEnqueuer(queue: BulkAdder | Pick<Queue<ProcessJob>, 'addBulk'>, opts: EnqueuerOptions): Enqueuer {
  const waitMs = opts.batchWaitMs ?? ENQUEUE_BATCH_WAIT_MS;
  const maxJobs = opts.maxBatchJobs ?? ENQUEUE_BATCH_MAX_JOBS;
  const timeoutMs = opts.timeoutMs ?? ENQUEUE_TIMEOUT_MS;
  let waiting: Waiter[] = [];
  let waitingJobs = 0;
  let waitingBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const inflight = new Set<Promise<void>>();

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    waitingJobs = 0;
    waitingBytes = 0;
    if (batch.length === 0) return;
    const records = batch.flatMap((w) => w.jobs);
    const added = addJobs(queue, records).then(() => opts.confirm?.());
    const done = withTimeout(added, timeoutMs).then(
      () => batch.forEach((w) => w.resolve()),
      (err: unknown) => {
        opts.log.warn({ err, jobs: records.length }, 'enqueue failed, answering 503');
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
        for (const j of jobs) waitingBytes += j.data.payload.length;
        if (waitingJobs >= maxJobs || waitingBytes >= JOB_MAX_BYTES) flush();
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
