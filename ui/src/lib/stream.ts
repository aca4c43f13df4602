// Live stream aggregation, pure: folds incoming stream messages into a bounded list of rows.
// At high rates events of the same issue that arrive within AGGREGATE_WINDOW_MS collapse into
// one row with a count, so hundreds of events per second stay a readable, cheap-to-render list.
import type { EventCreateMessage, DeployCreateMessage, FlagChangeMessage, StreamMessage } from './types.js';

export const MAX_ROWS = 200; // rows kept on screen; older rows fall off the bottom
export const AGGREGATE_WINDOW_MS = 2_000; // same-issue events closer than this share a row
const LAG_SAMPLES = 200;

export interface EventRow {
  kind: 'event';
  key: string;
  event: EventCreateMessage;
  /** How many events this row stands for (1 unless aggregated). */
  count: number;
  firstAt: number;
  lastAt: number;
  isNew: boolean;
  isRegression: boolean;
  /** From the buffer when the stream opened, not live. */
  earlier?: boolean;
}

export interface DeployRow {
  kind: 'deploy';
  key: string;
  deploy: DeployCreateMessage['deploy'];
  at: number;
  earlier?: boolean;
}

/** A feature flag changed (change-tracking webhook): a marker like a deploy's. */
export interface FlagRow {
  kind: 'flag';
  key: string;
  change: FlagChangeMessage['change'];
  at: number;
}

export type StreamRow = EventRow | DeployRow | FlagRow;

export interface StreamState {
  rows: StreamRow[];
  total: number;
  /** Recent ingest-to-screen lags in ms (newest last). */
  lags: number[];
  /** Arrival times (client ms) of recent events, for the rate meter. */
  arrivals: number[];
}

export function emptyStream(): StreamState {
  return { rows: [], total: 0, lags: [], arrivals: [] };
}

/** Lag of one event: now on the server clock (client now + offset) minus ingest receive time. */
export function eventLag(m: EventCreateMessage, clientNow: number, clockOffsetMs: number): number {
  return Math.max(0, clientNow + clockOffsetMs - Date.parse(m.receivedAt));
}

function findAggregate(rows: StreamRow[], m: EventCreateMessage, now: number): number {
  for (let i = 0; i < rows.length && i < 50; i++) {
    const r = rows[i]!;
    if (r.kind !== 'event' || r.earlier) return -1; // never merge across a deploy or flag-change marker, or into the backfill
    if (now - r.lastAt > AGGREGATE_WINDOW_MS) return -1;
    if (r.event.issue.id === m.issue.id) return i;
  }
  return -1;
}

/** Applies a batch (oldest first) and returns the new state; rows are newest first. */
export function applyMessages(state: StreamState, batch: StreamMessage[], now: number, clockOffsetMs = 0): StreamState {
  const rows = state.rows.slice();
  const lags = state.lags.slice();
  const arrivals = state.arrivals.filter((t) => now - t < 10_000);
  let total = state.total;
  for (const m of batch) {
    if (m.type === 'DeployCreate') {
      rows.unshift({
        kind: 'deploy',
        key: `d-${m.deploy.id}`,
        deploy: m.deploy,
        at: now,
        ...(m.earlier ? { earlier: true } : {}),
      });
      continue;
    }
    if (m.type === 'FlagChange') {
      rows.unshift({ kind: 'flag', key: `f-${m.change.id}`, change: m.change, at: now });
      continue;
    }
    total += 1;
    if (m.earlier) {
      // Backfill: shown as it happened, never aggregated with live rows, not in rate or lag.
      rows.unshift({
        kind: 'event',
        key: `e-${m.eventId}`,
        event: m,
        count: 1,
        firstAt: now,
        lastAt: 0,
        isNew: m.issue.isNew,
        isRegression: m.issue.isRegression,
        earlier: true,
      });
      continue;
    }
    arrivals.push(now);
    lags.push(eventLag(m, now, clockOffsetMs));
    const i = findAggregate(rows, m, now);
    if (i >= 0) {
      const r = rows[i] as EventRow;
      rows.splice(i, 1);
      rows.unshift({
        ...r,
        event: m,
        count: r.count + 1,
        lastAt: now,
        isNew: r.isNew || m.issue.isNew,
        isRegression: r.isRegression || m.issue.isRegression,
      });
    } else {
      rows.unshift({
        kind: 'event',
        key: `e-${m.eventId}`,
        event: m,
        count: 1,
        firstAt: now,
        lastAt: now,
        isNew: m.issue.isNew,
        isRegression: m.issue.isRegression,
      });
    }
  }
  if (rows.length > MAX_ROWS) rows.length = MAX_ROWS;
  if (lags.length > LAG_SAMPLES) lags.splice(0, lags.length - LAG_SAMPLES);
  return { rows, total, lags, arrivals };
}

/** Events per second over the last `windowMs`. */
export function eventRate(state: StreamState, now: number, windowMs = 5_000): number {
  const n = state.arrivals.filter((t) => now - t < windowMs).length;
  return n / (windowMs / 1000);
}

export interface LagSummary {
  last: number | null;
  p50: number | null;
  max: number | null;
}

export function summarizeLags(lags: number[]): LagSummary {
  if (lags.length === 0) return { last: null, p50: null, max: null };
  const sorted = lags.slice().sort((a, b) => a - b);
  return {
    last: lags[lags.length - 1]!,
    p50: sorted[Math.floor((sorted.length - 1) / 2)]!,
    max: sorted[sorted.length - 1]!,
  };
}

/**
 * Clock offset (server minus client) from the hello frame, so lag is measured on one clock.
 * The hello's own transit time makes the raw difference too small by that much, so within
 * SKEW_TOLERANCE_MS the clocks count as synchronized (NTP) and the offset is 0; beyond it the
 * browser's clock is clearly off and the estimate is the better of two evils.
 */
export const SKEW_TOLERANCE_MS = 1_000;

export function clockOffset(serverTimeIso: string, clientNow: number): number {
  const t = Date.parse(serverTimeIso);
  if (!Number.isFinite(t)) return 0;
  const diff = t - clientNow;
  return Math.abs(diff) < SKEW_TOLERANCE_MS ? 0 : diff;
}
