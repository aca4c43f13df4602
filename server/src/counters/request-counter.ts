// Pure parser for the SDK's `faultline_counter` item ("requests served by this host and release
// over the last `interval` seconds", client-sdk/README.md): the requests are spread over the
// minutes that interval covers, in proportion to the overlap, as per-minute count rows.
import {
  clampTimestamp,
  isRecord,
  normalizeEnvironment,
  normalizeRelease,
  parseTimestamp,
  shortString,
} from '../shared/normalize-values.js';

export interface RequestCountRow {
  projectId: string;
  environment: string; // '' when unknown
  minute: string; // ISO, start of the minute
  serverName: string; // '' when unknown
  release: string; // '' when unknown
  requests: number;
}

export interface CounterContext {
  projectId: string;
  receivedAt: number; // ms
}

/** A report covering more than this is spread over its last hour only (a host asleep for days). */
export const MAX_COUNTER_INTERVAL_SECONDS = 3600;
/** Far above any real host's rate; larger numbers are garbage, not traffic. */
export const MAX_COUNTER_REQUESTS = 1e12;

/** Count rows for one counter item; null when it is not a usable counter. */
export function parseRequestCounter(payload: unknown, ctx: CounterContext): RequestCountRow[] | null {
  if (!isRecord(payload)) return null;
  const requests = payload.requests;
  if (typeof requests !== 'number' || !Number.isInteger(requests) || requests < 0 || requests > MAX_COUNTER_REQUESTS)
    return null;
  const end = clampTimestamp(parseTimestamp(payload.timestamp), ctx.receivedAt / 1000);
  const rawInterval = typeof payload.interval === 'number' && Number.isFinite(payload.interval) ? payload.interval : 0;
  const interval = Math.min(Math.max(rawInterval, 0), MAX_COUNTER_INTERVAL_SECONDS);
  const base = {
    projectId: ctx.projectId,
    environment: normalizeEnvironment(payload.environment) ?? '',
    serverName: shortString(payload.server_name, 256, { truncate: true }) ?? '',
    release: normalizeRelease(payload.release) ?? '',
  };
  return spreadOverMinutes(requests, end - interval, end).map(([minute, n]) => ({ ...base, minute, requests: n }));
}

/**
 * Splits `total` over the minutes of [start, end] by overlap, in whole numbers that add up to
 * `total` (largest remainder). An empty interval puts everything in the minute of `end`.
 */
export function spreadOverMinutes(total: number, start: number, end: number): Array<[string, number]> {
  if (total === 0) return [];
  const first = Math.floor(start / 60);
  const last = end > start ? Math.ceil(end / 60) - 1 : Math.floor(end / 60);
  if (first >= last) return [[minuteIso(last), total]];
  const shares: Array<{ minute: number; whole: number; rest: number }> = [];
  for (let m = first; m <= last; m++) {
    const overlap = Math.min(end, (m + 1) * 60) - Math.max(start, m * 60);
    const exact = (total * overlap) / (end - start);
    shares.push({ minute: m, whole: Math.floor(exact), rest: exact - Math.floor(exact) });
  }
  let missing = total - shares.reduce((n, s) => n + s.whole, 0);
  for (const s of [...shares].sort((a, b) => b.rest - a.rest || b.minute - a.minute)) {
    if (missing <= 0) break;
    s.whole += 1;
    missing -= 1;
  }
  return shares.filter((s) => s.whole > 0).map((s) => [minuteIso(s.minute), s.whole]);
}

function minuteIso(minute: number): string {
  return new Date(minute * 60_000).toISOString();
}
