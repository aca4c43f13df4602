// Queue names, job payload schemas and producers. Ingest enqueues raw items here; the worker
// (main-worker.ts) consumes them. Payloads carry `v: 1` and are validated on pickup.
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';

export const QUEUE_PROCESS_EVENT = 'process-event';

/** BullMQ prefix: a Redis Cluster hash tag, so all of a queue's keys live in one slot. */
export function bullPrefix(prefix: string): string {
  return `{${prefix}}`;
}

export const eventJobSchema = z.object({
  v: z.literal(1),
  kind: z.literal('event'),
  projectId: z.string(),
  eventId: z.string().regex(/^[0-9a-f]{32}$/),
  receivedAt: z.number(), // ms since epoch
  /** The event item payload as received, decompressed (JSON text). */
  payload: z.string(),
  meta: z
    .object({
      clientIp: z.string().optional(),
      userAgent: z.string().optional(),
      sdk: z.string().optional(),
      keyId: z.string().optional(),
      endpoint: z.enum(['store', 'envelope', 'udp']).optional(),
    })
    .default({}),
});

/**
 * Items that ride along in envelopes besides the event: release-health and loss inputs
 * (session, sessions, client_report, faultline_counter), user feedback (feedback, user_report)
 * and cron check-ins (check_in).
 */
export const AUX_KINDS = [
  'session',
  'sessions',
  'client_report',
  'faultline_counter',
  'feedback',
  'user_report',
  'check_in',
] as const;
/** Aux kinds whose outcome the worker counts (accepted or invalid), not ingest. */
export const WORKER_COUNTED_AUX_KINDS: ReadonlySet<string> = new Set(['feedback', 'user_report', 'check_in']);
export const auxJobSchema = z.object({
  v: z.literal(1),
  kind: z.enum(AUX_KINDS),
  projectId: z.string(),
  receivedAt: z.number(),
  payload: z.string(),
  /** The envelope header's event_id (feedback items are events of their own). */
  eventId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
});

/**
 * A micro-batch: every event and aux item ingest accepted within one coalescing window (at most
 * JOB_MAX_ITEMS items, JOB_MAX_BYTES of payload), so BullMQ's per-job cost is paid once per
 * window. The worker unpacks it into its own batches (pipeline/job-handler.ts); each item is
 * checked against its schema there, one bad item never fails its neighbours.
 */
export const batchJobSchema = z.object({
  v: z.literal(1),
  kind: z.literal('batch'),
  items: z.array(z.unknown()).min(1),
});
export const JOB_NAME_BATCH = 'batch';
/** Items per micro-batch job. */
export const JOB_MAX_ITEMS = 256;
/** Payload bytes per micro-batch job (the last item may cross it; one item is never split). */
export const JOB_MAX_BYTES = 1024 * 1024;

export type EventJob = z.infer<typeof eventJobSchema>;
export type AuxJob = z.infer<typeof auxJobSchema>;
export type ProcessJob = EventJob | AuxJob;
export interface BatchJob {
  v: 1;
  kind: 'batch';
  items: ProcessJob[];
}
/** What a process-event job carries: one item, or a micro-batch of them. */
export type QueueJob = ProcessJob | BatchJob;

export function isBatchJob(data: unknown): data is BatchJob {
  return (data as { kind?: unknown } | null)?.kind === 'batch';
}

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Typed by its single items; a job's data may also be a BatchJob (ingest's addJobs packs them, check isBatchJob). */
export function createProcessQueue(connection: ConnectionOptions, prefix: string): Queue<ProcessJob> {
  return new Queue<ProcessJob>(QUEUE_PROCESS_EVENT, {
    connection,
    prefix: bullPrefix(prefix),
    defaultJobOptions: DEFAULT_JOB_OPTIONS,
  });
}

/** Job id for an event: re-sent events (same project and event id) collapse while queued. */
export function eventJobId(projectId: string, eventId: string): string {
  return `e-${projectId}-${eventId}`;
}
