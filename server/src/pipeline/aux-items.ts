// The aux items that are not counters: user feedback (`feedback`, `user_report`) is parsed,
// scrubbed and stored (feedback/store.ts); cron check-ins (`check_in`) are recorded one by one
// (monitors/record-check-in.ts), and the monitor failure events they produce are queued (or,
// without a queue, processed right here). A bad item is dropped with a reason, never retried.
import type { AuxJob, EventJob } from '../shared/queues.js';
import { parseFeedbackEvent, parseUserReport, type Feedback } from '../shared/protocol/feedback.js';
import { storeFeedback } from '../feedback/store.js';
import { recordCheckIn } from '../monitors/record-check-in.js';
import type { CheckInDropReason } from '../queue/job-outcome.js';
import { queueSubmitter, type SubmitEvents } from '../monitors/scheduler.js';
import type { Deps } from '../deps.js';

export type AuxItemOutcome =
  | { kind: 'counted' }
  | { kind: 'dropped'; reason: 'invalid-feedback' | CheckInDropReason }
  | { kind: 'invalid'; message: string }
  | { kind: 'failed'; error: Error };

export function isAuxItem(job: AuxJob): boolean {
  return job.kind === 'feedback' || job.kind === 'user_report' || job.kind === 'check_in';
}

/**
 * Throws when storage failed (the caller retries). `processEvents` runs failure events in
 * process when `deps` has no queue (pipeline tests).
 */
export async function processAuxItems(
  deps: Pick<Deps, 'pool' | 'log' | 'config'> & { queue?: Deps['queue'] },
  jobs: AuxJob[],
  processEvents: (jobs: EventJob[]) => Promise<void>,
): Promise<AuxItemOutcome[]> {
  const outcomes: AuxItemOutcome[] = new Array(jobs.length);
  const feedback: Array<Feedback & { projectId: string }> = [];
  const feedbackIndexes: number[] = [];
  jobs.forEach((job, i) => {
    if (job.kind === 'check_in') return;
    let payload: unknown;
    try {
      payload = JSON.parse(job.payload);
    } catch {
      outcomes[i] = { kind: 'dropped', reason: 'invalid-feedback' };
      return;
    }
    const f =
      job.kind === 'feedback'
        ? parseFeedbackEvent(payload, { receivedAt: job.receivedAt, envelopeEventId: job.eventId ?? null })
        : parseUserReport(payload, { receivedAt: job.receivedAt, source: 'user_report' });
    if ('problem' in f) {
      deps.log.debug({ projectId: job.projectId, field: f.field, problem: f.problem }, 'feedback dropped');
      outcomes[i] = { kind: 'dropped', reason: 'invalid-feedback' };
      return;
    }
    feedback.push({ ...f, projectId: job.projectId });
    feedbackIndexes.push(i);
  });
  if (feedback.length > 0) {
    await storeFeedback(deps.pool, deps.config.scrub, feedback);
    for (const i of feedbackIndexes) outcomes[i] = { kind: 'counted' };
  }
  const submit: SubmitEvents = deps.queue ? queueSubmitter(deps.queue) : processEvents;
  // In the order they were received: an in_progress before the ok that completes it.
  const checkIns = [...jobs.entries()]
    .filter(([, job]) => job.kind === 'check_in')
    .sort(([, a], [, b]) => a.receivedAt - b.receivedAt);
  for (const [i, job] of checkIns) {
    const r = await recordCheckIn(deps.pool, job);
    if (r.kind === 'early') {
      outcomes[i] = {
        kind: 'failed',
        error: new Error(`${r.message}; retrying: what it depends on may be on its way`),
      };
    } else if (r.kind === 'dropped') {
      deps.log.debug({ projectId: job.projectId, reason: r.reason, message: r.message }, 'check-in dropped');
      outcomes[i] = { kind: 'dropped', reason: r.reason };
    } else {
      await submit(r.events);
      outcomes[i] = { kind: 'counted' };
    }
  }
  return outcomes;
}
