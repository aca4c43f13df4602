// What became of one process-event job: the worker's pipeline returns it per job, and the job's
// settlement (main-worker.ts), metrics, outcome counts and dead letters read it. A leaf module,
// so none of them imports the pipeline to know it.
import type { FilterReason } from '../shared/filters/settings.js';

/** Why the worker refused a cron check-in (monitors/record-check-in.ts). */
export type CheckInDropReason = 'invalid-check-in' | 'unknown-monitor' | 'monitor-other-project';

export type DropReason =
  | 'unknown-project'
  | 'invalid-session'
  | 'invalid-client-report'
  | 'invalid-counter'
  | 'invalid-feedback'
  | CheckInDropReason;

/** What happened to one job. `invalid` must not be retried; `failed` should be. */
export type JobOutcome =
  | { kind: 'stored'; eventId: string; issueId: string }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'counted' }
  | { kind: 'dropped'; reason: DropReason }
  | { kind: 'filtered'; eventId: string; reason: FilterReason }
  | { kind: 'sampled'; eventId: string; issueId: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'failed'; error: Error };
