// Release-health items as SDKs send them (`session` updates, `sessions` aggregates): which ones
// are unusable. Shared floor: ingest refuses them with an `invalid` outcome before they are
// queued, the worker checks again before counting. Relay's rules where it has them
// (https://develop.sentry.dev/sdk/telemetry/sessions/): known statuses only, no negative
// durations or counts, a release of at most 200 characters.

export const SESSION_STATUSES = ['ok', 'exited', 'errored', 'unhandled', 'abnormal', 'crashed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Relay's limit on release names (and ours for events). */
export const MAX_RELEASE_CHARS = 200;
/** Session ids are UUIDs; this leaves room for SDKs that send them with braces or prefixes. */
export const MAX_SID_CHARS = 64;
/** Aggregates per `sessions` item: SDKs flush one per started minute, at most a few hundred. */
export const MAX_AGGREGATES = 1000;

/** The field that makes a session item unusable, or null when it can be counted. */
export function sessionItemProblem(type: 'session' | 'sessions', payload: unknown): string | null {
  if (!isRecord(payload)) return 'payload';
  const attrsProblem = releaseProblem(payload.attrs);
  if (type === 'sessions') return attrsProblem ?? aggregatesProblem(payload.aggregates);
  if (typeof payload.sid !== 'string' || payload.sid.trim() === '' || payload.sid.length > MAX_SID_CHARS) return 'sid';
  if (payload.status !== undefined && !(SESSION_STATUSES as readonly unknown[]).includes(payload.status))
    return 'status';
  for (const field of ['duration', 'errors', 'seq'] as const) {
    if (payload[field] !== undefined && payload[field] !== null && !isNonNegative(payload[field])) return field;
  }
  return attrsProblem;
}

function releaseProblem(attrs: unknown): string | null {
  if (!isRecord(attrs)) return 'attrs.release';
  const r = attrs.release;
  if (typeof r !== 'string' || r.trim() === '' || r.length > MAX_RELEASE_CHARS) return 'attrs.release';
  return null;
}

function aggregatesProblem(aggregates: unknown): string | null {
  if (!Array.isArray(aggregates) || aggregates.length === 0 || aggregates.length > MAX_AGGREGATES) return 'aggregates';
  for (const agg of aggregates) {
    if (!isRecord(agg)) return 'aggregates';
    for (const status of SESSION_STATUSES) {
      if (agg[status] !== undefined && !isNonNegative(agg[status])) return `aggregates.${status}`;
    }
  }
  return null;
}

function isNonNegative(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
