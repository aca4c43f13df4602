// Builds the bare event for a captured value (Error, cause chain, or anything thrown) or a
// message. Scope data and defaults are added later by the client's pipeline.

import { isErrorLike, errorChain, linkExceptions } from './processors/linked-errors.js';
import type { ContextLines } from './processors/context-lines.js';
import { normalize } from './normalize.js';
import { parseStackFrames, type StackOptions } from './stacktrace.js';
import type { Event, Exception, Mechanism, SeverityLevel } from './types.js';

export interface BuildOptions extends StackOptions {
  contextLines?: ContextLines;
}

/** Event for a thrown/rejected value; `mechanism` says how it was caught. */
export function eventFromException(error: unknown, mechanism: Mechanism, options: BuildOptions): Event {
  if (!isErrorLike(error)) return eventFromNonError(error, mechanism);
  const raisedFirst = errorChain(error).map((e) => exceptionFromError(e as Error, options));
  return { exception: { values: linkExceptions(raisedFirst, mechanism) } };
}

export function eventFromMessage(message: string, level: SeverityLevel): Event {
  return { message, level };
}

function exceptionFromError(error: Error, options: BuildOptions): Exception {
  const exception: Exception = { type: errorType(error), value: String(error.message ?? '') };
  const frames = typeof error.stack === 'string' ? parseStackFrames(error.stack, options) : [];
  if (frames.length > 0) {
    options.contextLines?.addContextLines(frames);
    exception.stacktrace = { frames };
  }
  return exception;
}

function errorType(error: Error): string {
  if (typeof error.name === 'string' && error.name) return error.name;
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor ? ctor : 'Error';
}

/** `throw "text"`, `reject({code: 1})`…: no stack; the value is described and kept in extra. */
function eventFromNonError(value: unknown, mechanism: Mechanism): Event {
  const synthetic: Mechanism = { ...mechanism, synthetic: true };
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort().slice(0, 10);
    return {
      exception: {
        values: [
          { type: 'Error', value: `Non-Error exception captured with keys: ${keys.join(', ')}`, mechanism: synthetic },
        ],
      },
      extra: { __serialized__: normalize(value, 3) },
    };
  }
  return { exception: { values: [{ type: 'Error', value: describe(value), mechanism: synthetic }] } };
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? value : String(value);
  } catch {
    return '[unprintable value]';
  }
}
