// The flood lane: events that look like part of a flood are queued with a low BullMQ priority,
// so every other event is processed before them and a flood of one error cannot delay the
// others (jobs without a priority always go first). Each ingest process counts per project in
// memory; only a busy project pays for a signature (one JSON parse of the event), and a
// signature seen more than HOT_SIGNATURE_PER_MINUTE times in the current minute is "hot". While
// the queue has no backlog (FLOOD_LANE_MIN_BACKLOG) nothing is computed: no event waits anyway.
// A hint only: the worker's spike protection decides what is stored, and nothing is dropped here.

/** BullMQ priority of flood events (1 is highest; jobs without one go before all of them). */
export const FLOOD_PRIORITY = 1000;
/** Events per project and 10 s before signatures are computed at all. */
const BUSY_PROJECT_PER_10S = 20;
/** Repeats of one signature per minute (in this process) that make it a flood. */
const HOT_SIGNATURE_PER_MINUTE = 60;
const MAX_TRACKED = 10_000;
const MAX_SIGNATURE_CHARS = 300;

export interface FloodLane {
  /** FLOOD_PRIORITY for an event of a hot signature, else undefined (the normal lane). */
  priorityOf(projectId: string, payload: string | Buffer, now: number): number | undefined;
}

/** Jobs waiting below which the lane is skipped: nothing waits long enough to be delayed. */
export const FLOOD_LANE_MIN_BACKLOG = 1_000;

export interface FloodLaneOptions {
  /**
   * Whether the queue has a backlog (ingest's last measured depth). Without one, priorities
   * change nothing and the signature's JSON parse (a tenth of ingest's CPU under load) is saved.
   */
  isBacklogged?: () => boolean;
}

export function createFloodLane(opts: FloodLaneOptions = {}): FloodLane {
  const projects = new Map<string, Counter>();
  const signatures = new Map<string, Counter>();
  const isBacklogged = opts.isBacklogged ?? (() => true);
  return {
    priorityOf(projectId, payload, now) {
      if (!isBacklogged()) return undefined;
      const p = bump(projects, projectId, Math.floor(now / 10_000));
      if (p.count <= BUSY_PROJECT_PER_10S) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
      } catch {
        return undefined; // the worker will call it invalid
      }
      const sig = eventSignature(parsed);
      if (sig === null) return undefined;
      const s = bump(signatures, `${projectId}\u0000${sig}`, Math.floor(now / 60_000));
      return s.count > HOT_SIGNATURE_PER_MINUTE ? FLOOD_PRIORITY : undefined;
    },
  };
}

interface Counter {
  /** The time slot (10 s window or minute) the count belongs to. */
  slot: number;
  count: number;
}

/** Counts one more in the current slot; bounded: past MAX_TRACKED keys everything starts over. */
function bump(map: Map<string, Counter>, key: string, slot: number): Counter {
  const e = map.get(key);
  if (e && e.slot === slot) {
    e.count++;
    return e;
  }
  if (map.size >= MAX_TRACKED) map.clear();
  const fresh = { slot, count: 1 };
  map.set(key, fresh);
  return fresh;
}

/**
 * What makes two events "the same error" for the lane: the innermost exception's type and top
 * frame, else its value, else the message (digits folded). Close to grouping, never used for it.
 */
export function eventSignature(event: unknown): string | null {
  if (typeof event !== 'object' || event === null) return null;
  const e = event as Record<string, unknown>;
  const exc = e.exception;
  const values = Array.isArray(exc) ? exc : isRecord(exc) && Array.isArray(exc.values) ? exc.values : [];
  const last: unknown = values.at(-1);
  if (isRecord(last)) {
    const frames = isRecord(last.stacktrace) && Array.isArray(last.stacktrace.frames) ? last.stacktrace.frames : [];
    const top: unknown = frames.at(-1);
    const where = isRecord(top)
      ? `${str(top.filename) ?? str(top.module) ?? ''}:${str(top.function) ?? ''}:${String(top.lineno ?? '')}`
      : fold(str(last.value));
    return `${str(last.type) ?? ''}|${where}`.slice(0, MAX_SIGNATURE_CHARS);
  }
  const logentry = isRecord(e.logentry) ? e.logentry : null;
  const message =
    str(logentry?.formatted) ??
    str(logentry?.message) ??
    str(e.message) ??
    (isRecord(e.message) ? (str(e.message.formatted) ?? str(e.message.message)) : undefined);
  return message === undefined ? null : `msg|${fold(message)}`.slice(0, MAX_SIGNATURE_CHARS);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function fold(s: string | undefined): string {
  return (s ?? '').slice(0, MAX_SIGNATURE_CHARS).replace(/\d+/g, '0');
}
