// Worker entry: consumes the process-event queue and feeds jobs through the batcher into the
// pipeline (pipeline/process-event.ts tells the whole path of an event). Also keeps the daily
// events partitions created ahead of time.
import { UnrecoverableError, Worker } from 'bullmq';
import { startAlertWorker } from './alerts/send-alert.js';
import type { Deps } from './deps.js';
import { ensureEventPartitions } from './events/queries.js';
import { createBatcher } from './pipeline/batcher.js';
import { createRetryPolicy } from './dead-letters/retry-policy.js';
import { observeBatch } from './metrics/pipeline.js';
import { processBatch, type JobOutcome } from './pipeline/process-event.js';
import { createJobHandler, type BatchJobOutcome } from './pipeline/job-handler.js';
import { startWorkerOutcomes } from './outcomes/worker.js';
import { QUEUE_PROCESS_EVENT, bullPrefix, type ProcessJob } from './queue/queues.js';
import { createRedis } from './redis.js';
import { startUnmergeRunner } from './issues/unmerge-runner.js';

const MAX_CONCURRENT_BATCHES = 2; // one committing while the next one fills and prepares
const PARTITIONS_BEHIND_DAYS = 31; // events up to 30 days old are accepted (timestamp clamp)
const PARTITIONS_AHEAD_DAYS = 3; // and up to 60 s in the future; days ahead cover a long outage
const PARTITION_CHECK_MS = 6 * 3600 * 1000; // the check is cheap; run it often enough to never miss a day

export async function startWorker(deps: Deps): Promise<{ close: () => Promise<void> }> {
  const log = deps.log.child({ component: 'worker' });
  await ensurePartitions(deps);
  const partitionTimer = setInterval(() => {
    ensurePartitions(deps).catch((err: unknown) => log.warn({ err }, 'creating event partitions failed, will retry'));
  }, PARTITION_CHECK_MS);
  partitionTimer.unref();

  const batcher = createBatcher<ProcessJob, JobOutcome>({
    maxSize: deps.config.worker.batchSize,
    maxWaitMs: deps.config.worker.batchWaitMs,
    maxConcurrent: MAX_CONCURRENT_BATCHES,
    maxBytes: deps.config.protection.workerBatchMaxBytes, // WORKER_BATCH_MAX_BYTES: bounded batch memory
    sizeOf: (job) => job.payload.length,
    run: (jobs) => observeBatch(jobs, () => processBatch(deps, jobs)),
  });
  const connection = createRedis(deps.config.redis.url, { maxRetriesPerRequest: null });
  // Outages of Postgres delay jobs without using attempts; WORKER_MAX_ATTEMPTS real failures dead-letter them.
  const retry = createRetryPolicy({ maxAttempts: deps.config.worker.maxAttempts, log });
  const outcomes = startWorkerOutcomes(deps); // loss accounting: one outcome per settled event job
  // A job holds one item or a micro-batch; the handler feeds each item to the batcher (job-handler.ts).
  const maxItemsInFlight = Math.max(deps.config.worker.concurrency, 2 * deps.config.worker.batchSize); // bounded memory
  const processJob = createJobHandler({ batcher, retry, outcomes, queue: deps.queue, log, maxItemsInFlight });
  const worker = new Worker<ProcessJob, JobOutcome | BatchJobOutcome>(QUEUE_PROCESS_EVENT, processJob, {
    connection,
    prefix: bullPrefix(deps.config.redis.prefix),
    concurrency: deps.config.worker.concurrency,
    lockDuration: deps.config.worker.stallTimeoutMs, // a killed worker's jobs return to the queue after about this
    stalledInterval: deps.config.worker.stallTimeoutMs,
  });
  worker.on('error', (err) => log.warn({ err }, 'worker connection error'));
  worker.on('failed', (job, err) => {
    if (err instanceof UnrecoverableError) log.warn({ err, jobId: job?.id }, 'job dropped as invalid');
  });
  const alerts = await startAlertWorker(deps);
  const unmerges = startUnmergeRunner(deps); // moves unmerged events in background batches

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(partitionTimer);
      const stopped = worker.close(); // stops fetching, waits for the active jobs …
      await batcher.flush(); // … which settle once their batches have run
      await stopped;
      await outcomes.close();
      await alerts.close();
      await unmerges.close();
      await connection.quit().catch(() => connection.disconnect());
    })());
  return { close };
}

async function ensurePartitions(deps: Deps): Promise<void> {
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
  // Never behind the retention cutoff: retention (retention/run.ts) would drop them again.
  await ensureEventPartitions(deps.pool, day(-Math.min(PARTITIONS_BEHIND_DAYS, deps.config.retention.days)), day(PARTITIONS_AHEAD_DAYS));
}
