// Dead letters are the failed jobs of the process-event queue (BullMQ keeps them for
// DEFAULT_JOB_OPTIONS.removeOnFail): read, retry and delete them per project. Payloads are
// never returned: they are raw, unscrubbed SDK data.
import type { Queue } from 'bullmq';
import type { ProcessJob } from '../shared/queues.js';

const PAGE = 200;
export const MAX_SCANNED = 10_000; // newest failed jobs looked at per listing

export interface DeadLetter {
  id: string;
  kind: string;
  eventId: string | null;
  receivedAt: number | null;
  failedAt: number | null;
  attempts: number;
  error: string;
}

type FailedJob = Awaited<ReturnType<Queue<ProcessJob>['getFailed']>>[number];

/** The project's dead letters, newest first (Sentry-style list; at most `limit`). */
export async function listDeadLetters(
  queue: Queue<ProcessJob>,
  projectId: string,
  limit: number,
): Promise<DeadLetter[]> {
  const found: DeadLetter[] = [];
  for (let start = 0; start < MAX_SCANNED && found.length < limit; start += PAGE) {
    const jobs = await queue.getFailed(start, start + PAGE - 1);
    for (const job of jobs)
      if (job && job.data?.projectId === projectId && found.length < limit) found.push(toDeadLetter(job));
    if (jobs.length < PAGE) break;
  }
  return found;
}

/** The failed job with this id if it belongs to the project. */
export async function findDeadLetterJob(
  queue: Queue<ProcessJob>,
  projectId: string,
  jobId: string,
): Promise<FailedJob | null> {
  const job = await queue.getJob(jobId);
  if (!job || job.data?.projectId !== projectId) return null;
  return (await job.getState()) === 'failed' ? job : null;
}

export function toDeadLetter(job: FailedJob): DeadLetter {
  const data = job.data as Partial<ProcessJob> | undefined;
  return {
    id: String(job.id),
    kind: typeof data?.kind === 'string' ? data.kind : 'unknown',
    eventId: data?.kind === 'event' && typeof data.eventId === 'string' ? data.eventId : null,
    receivedAt: typeof data?.receivedAt === 'number' ? data.receivedAt : null,
    failedAt: job.finishedOn ?? null,
    attempts: job.attemptsMade,
    error: job.failedReason ?? '',
  };
}
