// Two dedupe rules, as in Sentry: the same error object is captured once (e.g. captureException
// and then rethrown to the uncaught handler), and an event identical to the previous one
// (same message or exceptions, frames and fingerprint) is dropped.

import type { Event } from '../types.js';

export interface CapturedErrors {
  /** True if `error` was captured before; marks it otherwise. Primitives are never "seen". */
  seenBefore(error: unknown): boolean;
}

export function createCapturedErrors(): CapturedErrors {
  const seen = new WeakSet<object>();
  return {
    seenBefore(error) {
      if (error === null || (typeof error !== 'object' && typeof error !== 'function')) return false;
      if (seen.has(error)) return true;
      seen.add(error);
      return false;
    },
  };
}

export interface Dedupe {
  /** True when `event` repeats the previous event; otherwise it becomes the previous event. */
  isDuplicate(event: Event): boolean;
}

export function createDedupe(): Dedupe {
  let previous: string | undefined;
  return {
    isDuplicate(event) {
      const signature = eventSignature(event);
      if (signature === previous) return true;
      previous = signature;
      return false;
    },
  };
}

/** What two events must share to count as the same: message, fingerprint, exceptions and their frames. */
export function eventSignature(event: Event): string {
  const exceptions = (event.exception?.values ?? []).map((e) => [
    e.type,
    e.value,
    (e.stacktrace?.frames ?? []).map((f) => [f.filename, f.lineno, f.colno, f.function]),
  ]);
  return JSON.stringify([event.message ?? null, event.fingerprint ?? null, exceptions]);
}
