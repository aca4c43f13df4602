// How the worker settles a job whose processing failed (main-worker.ts calls review() on every
// outcome). A failure caused by an unreachable dependency (Postgres down or restarting) is not
// the job's fault: the job goes back to the delayed set without using up an attempt, with a
// delay that grows with the outage, so an outage of any length loses nothing. Any other
// failure counts; after WORKER_MAX_ATTEMPTS the job is failed for good — a dead letter, kept in
// the queue's failed set and listed by the dead-letters API — and stops taking worker time.
import { DelayedError, type Job } from 'bullmq';
import type { Logger } from '../shared/log.js';
import { deadLetters } from '../metrics/registry.js';
import type { JobOutcome } from '../queue/job-outcome.js';

const OUTAGE_MIN_DELAY_MS = 500;
const OUTAGE_MAX_DELAY_MS = 10_000; // once Postgres is back, jobs resume within this

/** Connection-level failures (node errno and Postgres SQLSTATE classes 08, 57P, 53300). */
const OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const OUTAGE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|the database system is (starting up|shutting down|in recovery)/i;

/** Whether an error (or one of its causes) says a dependency was unreachable, not that the job is bad. */
export function isDependencyOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (OUTAGE_CODES.has(code) || code.startsWith('08'))) return true;
    if (e instanceof AggregateError && e.errors.some(isDependencyOutage)) return true;
    if (OUTAGE_MESSAGES.test(String((e as { message?: unknown }).message ?? ''))) return true;
  }
  return false;
}

/** The delay before retrying during an outage that started at `since`: grows with its length. */
export function outageDelayMs(now: number, since: number): number {
  return Math.min(OUTAGE_MAX_DELAY_MS, Math.max(OUTAGE_MIN_DELAY_MS, Math.round((now - since) / 2)));
}

export interface RetryPolicy {
  /** Returns the outcome to settle (an `invalid` one once attempts are used up), or throws
   *  DelayedError after moving the job back to the delayed set during an outage. */
  review(outcome: JobOutcome, job: Job, token: string | undefined): Promise<JobOutcome>;
}

export function createRetryPolicy(opts: { maxAttempts: number; log: Logger; now?: () => number }): RetryPolicy {
  const now = opts.now ?? Date.now;
  let outageSince: number | null = null;
  return {
    async review(outcome, job, token) {
      if (outcome.kind !== 'failed') {
        if (outcome.kind === 'stored' || outcome.kind === 'duplicate' || outcome.kind === 'counted') outageSince = null;
        return outcome;
      }
      if (token !== undefined && isDependencyOutage(outcome.error)) {
        outageSince ??= now();
        await job.moveToDelayed(now() + outageDelayMs(now(), outageSince), token);
        throw new DelayedError();
      }
      const attempt = job.attemptsMade + 1;
      if (attempt < opts.maxAttempts) return outcome;
      deadLetters.inc();
      opts.log.warn(
        { err: outcome.error, jobId: job.id, attempts: attempt },
        'job failed too often, moved to the dead letters',
      );
      return { kind: 'invalid', message: `gave up after ${attempt} attempts: ${errorChain(outcome.error)}` };
    },
  };
}

/** "stage scrub failed for event …: poisoned event (…)": the messages down the cause chain. */
export function errorChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String((e as { message?: unknown }).message ?? e));
  }
  return parts.join(': ').slice(0, 2000);
}
