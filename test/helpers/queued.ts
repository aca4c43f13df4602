// What ingest queued, seen through micro-batch jobs: every item of every job in the given
// states, with the job that carries it (a lone item is a plain job; more share a batch job).
import type { Job, JobType, Queue } from 'bullmq';
import { isBatchJob, type EventJob, type ProcessJob } from '../../server/src/shared/queues.js';

export interface QueuedItem {
  data: ProcessJob;
  job: Job<ProcessJob>;
}

const QUEUED: JobType[] = ['waiting', 'wait', 'prioritized', 'delayed'];

export async function queuedItems(queue: Queue<ProcessJob>, states: JobType[] = QUEUED): Promise<QueuedItem[]> {
  const jobs = await queue.getJobs(states);
  return jobs.flatMap((job) => {
    const data: unknown = job.data;
    return isBatchJob(data) ? data.items.map((item) => ({ data: item, job })) : [{ data: job.data, job }];
  });
}

/** The queued event with this id, if any. */
export async function queuedEvent(
  queue: Queue<ProcessJob>,
  projectId: string,
  eventId: string,
): Promise<QueuedItem | undefined> {
  return (await queuedItems(queue)).find(
    (i) => i.data.kind === 'event' && i.data.projectId === projectId && (i.data as EventJob).eventId === eventId,
  );
}
