// Worker entry: consumes the process-event queue and feeds jobs through the batcher into the
// pipeline (pipeline/process-event.ts tells the whole path of an event), and runs the send-alert
// deliveries. Builds the Redis connections its BullMQ workers block on, and closes them. The
// periodic work (partitions, retention, pruning, sweeps) is in schedule.ts.
import { UnrecoverableError, Worker } from 'bullmq';
import { startAlertWorker } from './alerts/send-alert.js';
import type { Deps } from './deps.js';
import { ensureUpcomingPartitions } from './events/partitions.js';
import { createBatcher } from './pipeline/batcher.js';
import { createRetryPolicy } from './dead-letters/retry-policy.js';
import { observeBatch } from './metrics/pipeline.js';
import { processBatch } from './pipeline/process-event.js';
import { createJobHandler, type BatchJobOutcome } from './pipeline/job-handler.js';
import { createFetchBudget } from './pipeline/fetch-budget.js';
import type { JobOutcome } from './queue/job-outcome.js';
import { createPipeline, type PipelineOptions } from './pipeline/pipeline.js';
import { startWorkerOutcomes } from './outcomes/worker.js';
import { QUEUE_PROCESS_EVENT, bullPrefix, type ProcessJob } from './shared/queues.js';
import { createRedis } from './shared/redis.js';
import { startUnmergeRunner } from './issues/unmerge-runner.js';

const MAX_CONCURRENT_BATCHES = 2; // one committing while the next one fills and prepares

export interface WorkerOptions {
  /** The pipeline's step list as composed for this process (tests add failing steps). */
  pipeline?: PipelineOptions;
}

export async function startWorker(deps: Deps, options: WorkerOptions = {}): Promise<{ close: () => Promise<void> }> {
  const log = deps.log.child({ component: 'worker' });
  await ensureUpcomingPartitions(deps.pool, deps.config.retention.days); // then the schedule keeps them ahead

  const pipelineDeps = { ...deps, pipeline: createPipeline(deps.config, options.pipeline) }; // its caches live as long as the worker
  const batcher = createBatcher<ProcessJob, JobOutcome>({
    maxSize: deps.config.worker.batchSize,
    maxWaitMs: deps.config.worker.batchWaitMs,
    maxConcurrent: MAX_CONCURRENT_BATCHES,
    maxBytes: deps.config.protection.workerBatchMaxBytes, // WORKER_BATCH_MAX_BYTES: bounded batch memory
    sizeOf: (job) => job.payload.length,
    run: (jobs) => observeBatch(jobs, () => processBatch(pipelineDeps, jobs)),
  });
  const connection = createRedis(deps.config.redis, { maxRetriesPerRequest: null });
  // Outages of Postgres delay jobs without using attempts; WORKER_MAX_ATTEMPTS real failures dead-letter them.
  const retry = createRetryPolicy({ maxAttempts: deps.config.worker.maxAttempts, log });
  const outcomes = startWorkerOutcomes(deps); // loss accounting: one outcome per settled event job
  // A job holds one item or a micro-batch; the handler feeds each item to the batcher (job-handler.ts).
  const maxItemsInFlight = Math.max(deps.config.worker.concurrency, 2 * deps.config.worker.batchSize); // bounded memory
  const handleJob = createJobHandler({ batcher, retry, outcomes, queue: deps.queue, log, maxItemsInFlight });
  // Fetched jobs hold at most about one batch's worth of payload (WORKER_BATCH_MAX_BYTES) before
  // the worker stops fetching more: bounded memory under a backlog of large events (fetch-budget.ts).
  const budget = createFetchBudget(
    () => worker,
    deps.config.worker.concurrency,
    deps.config.protection.workerBatchMaxBytes,
  );
  const processJob: typeof handleJob = async (job, token) => {
    const release = budget.hold(job.data);
    try {
      return await handleJob(job, token);
    } finally {
      release();
    }
  };
  const worker: Worker<ProcessJob, JobOutcome | BatchJobOutcome> = new Worker(QUEUE_PROCESS_EVENT, processJob, {
    connection,
    prefix: bullPrefix(deps.config.redis.prefix),
    concurrency: budget.initial, // then up to WORKER_CONCURRENCY, as the fetch budget allows
    lockDuration: deps.config.worker.stallTimeoutMs, // a killed worker's jobs return to the queue after about this
    stalledInterval: deps.config.worker.stallTimeoutMs,
    // A job whose lock could not be renewed (its worker died, or a Redis failover stalled the
    // renewals) is re-run: the pipeline stores an event once however often it runs, so a stall
    // must not fail the job for good after BullMQ's default of one.
    maxStalledCount: deps.config.worker.maxAttempts,
  });
  worker.on('error', (err) => log.warn({ err }, 'worker connection error'));
  worker.on('failed', (job, err) => {
    if (err instanceof UnrecoverableError) log.warn({ err, jobId: job?.id }, 'job dropped as invalid');
  });
  const alertConnection = createRedis(deps.config.redis, { maxRetriesPerRequest: null });
  const alerts = await startAlertWorker(deps, alertConnection);
  const unmerges = startUnmergeRunner(deps); // moves unmerged events in background batches

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const stopped = worker.close(); // stops fetching, waits for the active jobs …
      await batcher.flush(); // … which settle once their batches have run
      await stopped;
      await outcomes.close();
      await alerts.close();
      await unmerges.close();
      await connection.quit().catch(() => connection.disconnect());
      await alertConnection.quit().catch(() => alertConnection.disconnect());
    })());
  return { close };
}
