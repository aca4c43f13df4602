// Issue title, culprit and metadata as Sentry derives them (eventtypes/error.py, culprit.py):
// "TypeError: Cannot read properties of undefined (reading 'x')" from the main exception, the
// message's first line for message events, and a culprit from the crashing in-app frame.
import type { Frame, NormalizedEvent, Stacktrace } from '../shared/protocol/event.js';
import { mainExceptionId } from './compute.js';
import { crashFrame } from './fingerprint.js';
import { fillPaths } from './frames.js';
import { messageText } from './strategies.js';
import { splitLines } from './message.js';

export interface EventSummary {
  title: string;
  culprit: string;
  type: 'error' | 'default';
  metadata: { type?: string; value?: string; filename?: string; function?: string; module?: string };
}

const MAX_ERROR_TITLE_VALUE = 100;
const MAX_MESSAGE_TITLE = 256;
const MAX_CULPRIT = 200;
const MAX_METADATA_VALUE = 1024;
const MAX_METADATA_TYPE = 128;

/** Sentry's truncatechars: at most `max` code points, ending in "..." when cut. */
export function truncateChars(value: string, max: number): string {
  if (value.length <= max) return value; // no more code points than UTF-16 units: nothing to cut
  const chars = [...value];
  return chars.length > max ? `${chars.slice(0, Math.max(0, max - 3)).join('')}...` : value;
}

const firstLine = (text: string): string => splitLines(text)[0] ?? '';

function frameCulprit(raw: Frame, platform: string | undefined): string {
  const frame = fillPaths({ ...raw });
  const p = frame.platform ?? platform;
  if (p === 'objc' || p === 'cocoa' || p === 'native') return frame.function || '?';
  const fileloc = frame.module || frame.filename;
  if (!fileloc) return '';
  return p === 'javascript' || p === 'node'
    ? `${frame.function || '?'}(${fileloc})`
    : `${fileloc} in ${frame.function || '?'}`;
}

function stacktraceCulprit(stacktrace: Stacktrace, platform: string | undefined): string {
  let fallback: string | undefined;
  for (const frame of [...stacktrace.frames].reverse()) {
    if (frame.in_app) {
      const culprit = frameCulprit(frame, platform);
      if (culprit) return culprit;
    } else if (fallback === undefined) fallback = frameCulprit(frame, platform);
  }
  return fallback ?? '';
}

/** Sentry's generated culprit (used when the event has neither `culprit` nor `transaction`). */
export function generateCulprit(event: NormalizedEvent): string {
  const exceptions = event.exception?.values ?? [];
  let stacktraces: Stacktrace[];
  if (exceptions.length > 0) {
    // Synthetic exceptions (message events with an attached stack) get no culprit.
    if (exceptions[exceptions.length - 1]?.mechanism?.synthetic) return '';
    stacktraces = exceptions.flatMap((e) => (e.stacktrace?.frames.length ? [e.stacktrace] : []));
  } else {
    stacktraces = event.stacktrace?.frames.length ? [event.stacktrace] : [];
  }
  const last = stacktraces[stacktraces.length - 1];
  let culprit = last ? stacktraceCulprit(last, event.platform) : '';
  if (!culprit && typeof event.request?.url === 'string') culprit = event.request.url;
  return truncateChars(culprit, MAX_CULPRIT);
}

function crashLocation(event: NormalizedEvent): Pick<EventSummary['metadata'], 'filename' | 'function' | 'module'> {
  const raw = crashFrame(
    event,
    (f) => f.function !== undefined && f.function !== '<redacted>' && f.function !== '<unknown>',
  );
  if (!raw) return {};
  const frame = fillPaths({ ...raw });
  const filename = frame.filename || frame.abs_path;
  return {
    ...(filename ? { filename } : {}),
    ...(frame.function ? { function: frame.function } : {}),
    ...(frame.module ? { module: frame.module } : {}),
  };
}

function errorSummary(event: NormalizedEvent): Pick<EventSummary, 'title' | 'metadata'> {
  const values = event.exception!.values;
  const mainId = mainExceptionId(event);
  const main =
    (mainId ? values.find((e) => e.mechanism?.exception_id === mainId) : undefined) ?? values[values.length - 1]!;
  const metadata: EventSummary['metadata'] = {
    value: truncateChars(main.value ?? '', MAX_METADATA_VALUE),
    ...crashLocation(event),
  };
  if (!main.mechanism?.synthetic) metadata.type = truncateChars(main.type || 'Error', MAX_METADATA_TYPE);
  let title: string;
  if (metadata.type !== undefined) {
    title = metadata.value
      ? `${metadata.type}: ${truncateChars(firstLine(metadata.value), MAX_ERROR_TITLE_VALUE)}`
      : metadata.type;
  } else {
    // Synthetic exception (captureMessage with attachStacktrace). Sentry titles these by the crash
    // frame's function ("?", "<anonymous>"), reported as a bug (getsentry/sentry#86773); we use
    // the message, which is what users expect, and fall back to Sentry's choice.
    const message = messageText(event)?.trim();
    title = message ? truncateChars(firstLine(message), MAX_MESSAGE_TITLE) : metadata.function || '<unknown>';
  }
  return { title, metadata };
}

export function summarizeEvent(event: NormalizedEvent): EventSummary {
  const explicit = typeof event.culprit === 'string' && event.culprit ? event.culprit : undefined;
  const culprit = truncateChars(explicit || event.transaction || generateCulprit(event), MAX_CULPRIT);
  if ((event.exception?.values.length ?? 0) > 0) return { ...errorSummary(event), culprit, type: 'error' };
  const formatted = (
    event.logentry?.formatted ||
    event.logentry?.message ||
    (typeof event.message === 'string' ? event.message : '')
  ).trim();
  const title = formatted ? truncateChars(firstLine(formatted), MAX_MESSAGE_TITLE) : '<unlabeled event>';
  return { title, culprit, type: 'default', metadata: {} };
}
