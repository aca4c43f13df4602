// `error.cause` chains → chained exceptions, like Sentry's LinkedErrors integration: the raised
// error gets exception_id 0, each cause the next id with parent_id pointing at the error it
// caused; the list is sent oldest (deepest cause) first and the raised error last.

import type { Exception, Mechanism } from '../types.js';

/** Errors per event, the raised one included. */
export const LINKED_ERRORS_LIMIT = 5;

/** Error-like: a real Error, or an object with string name/message and a stack (other realms). */
export function isErrorLike(value: unknown): value is Error {
  if (value instanceof Error) return true;
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.message === 'string' && typeof v.stack === 'string';
}

/** `[error, error.cause, error.cause.cause, …]`, at most `limit` long, stopping at cycles and non-errors. */
export function errorChain(error: unknown, limit = LINKED_ERRORS_LIMIT): unknown[] {
  const chain: unknown[] = [error];
  const seen = new Set<unknown>([error]);
  let current: unknown = error;
  while (chain.length < limit && isErrorLike(current)) {
    const cause: unknown = (current as { cause?: unknown }).cause;
    if (!isErrorLike(cause) || seen.has(cause)) break;
    chain.push(cause);
    seen.add(cause);
    current = cause;
  }
  return chain;
}

/**
 * Sets mechanisms on exceptions given raised-first (`[raised, cause, …]`) and returns them in
 * wire order (oldest cause first). A single exception gets no ids, as in Sentry.
 */
export function linkExceptions(raisedFirst: Exception[], mechanism: Mechanism): Exception[] {
  if (raisedFirst.length <= 1) {
    return raisedFirst.map((e) => ({ ...e, mechanism: { ...mechanism } }));
  }
  const linked = raisedFirst.map((e, i): Exception => ({
    ...e,
    mechanism:
      i === 0
        ? { ...mechanism, exception_id: 0 }
        : { type: 'chained', handled: mechanism.handled, source: 'cause', exception_id: i, parent_id: i - 1 },
  }));
  return linked.reverse();
}
