// Pure parsers for the release-health and loss items that ride along in envelopes: a session
// update, a sessions aggregate and a client report, each turned into hourly count rows.
// Unusable content is dropped silently, as Relay does (protocol.md §7, §9).
import { clampTimestamp, isRecord, normalizeEnvironment, normalizeRelease, parseTimestamp, shortString } from '../pipeline/normalize-values.js';

export type SessionStatus = 'ok' | 'exited' | 'errored' | 'abnormal' | 'crashed';

/** A session only moves up this ladder: out-of-order updates never undo a crash. */
export const SESSION_STATUS_RANK: Record<SessionStatus, number> = { ok: 0, exited: 1, errored: 2, abnormal: 3, crashed: 4 };

export interface AuxContext {
  projectId: string;
  receivedAt: number; // ms
}

export interface SessionBucket {
  projectId: string;
  release: string;
  environment: string;
  hour: string; // ISO, start of the hour the session started in
}

export interface SessionUpdate extends SessionBucket {
  sid: string;
  status: SessionStatus;
}

export interface SessionCountRow extends SessionBucket {
  status: SessionStatus;
  count: number;
}

export interface ClientReportRow {
  projectId: string;
  hour: string;
  reason: string;
  category: string;
  quantity: number;
}

/** One `session` item; null when it lacks a session id or a release. */
export function parseSessionUpdate(payload: unknown, ctx: AuxContext): SessionUpdate | null {
  if (!isRecord(payload)) return null;
  const sid = shortString(payload.sid, 64);
  const bucket = sessionBucket(payload.attrs, payload.started ?? payload.timestamp, ctx);
  if (!sid || !bucket) return null;
  const raw = typeof payload.status === 'string' && payload.status in SESSION_STATUS_RANK ? (payload.status as SessionStatus) : 'ok';
  const errors = typeof payload.errors === 'number' ? payload.errors : 0;
  // A session that saw errors but otherwise ended fine counts as errored (Sentry's definition).
  const status = errors > 0 && (raw === 'ok' || raw === 'exited') ? 'errored' : raw;
  return { ...bucket, sid, status };
}

/** One `sessions` item (server-mode aggregates): counts per started minute and final status. */
export function parseSessionAggregates(payload: unknown, ctx: AuxContext): SessionCountRow[] {
  if (!isRecord(payload) || !Array.isArray(payload.aggregates)) return [];
  const rows: SessionCountRow[] = [];
  for (const agg of payload.aggregates) {
    if (!isRecord(agg)) continue;
    const bucket = sessionBucket(payload.attrs, agg.started, ctx);
    if (!bucket) continue;
    for (const status of ['exited', 'errored', 'abnormal', 'crashed'] as const) {
      const n = count(agg[status]);
      if (n > 0) rows.push({ ...bucket, status, count: n });
    }
  }
  return rows;
}

export function parseClientReport(payload: unknown, ctx: AuxContext): ClientReportRow[] {
  if (!isRecord(payload) || !Array.isArray(payload.discarded_events)) return [];
  const received = ctx.receivedAt / 1000;
  const hour = hourOf(clampTimestamp(parseTimestamp(payload.timestamp), received));
  const rows: ClientReportRow[] = [];
  for (const d of payload.discarded_events) {
    if (!isRecord(d)) continue;
    const reason = shortString(d.reason, 64, { truncate: true });
    const category = shortString(d.category, 64, { truncate: true });
    const quantity = count(d.quantity);
    if (reason && category && quantity > 0) rows.push({ projectId: ctx.projectId, hour, reason, category, quantity });
  }
  return rows;
}

function sessionBucket(attrs: unknown, started: unknown, ctx: AuxContext): SessionBucket | null {
  const a = isRecord(attrs) ? attrs : {};
  const release = normalizeRelease(a.release);
  if (!release) return null; // Relay drops sessions without a release
  const received = ctx.receivedAt / 1000;
  return {
    projectId: ctx.projectId,
    release,
    environment: normalizeEnvironment(a.environment) ?? '',
    hour: hourOf(clampTimestamp(parseTimestamp(started), received)),
  };
}

function hourOf(seconds: number): string {
  return new Date(Math.floor(seconds / 3600) * 3600 * 1000).toISOString();
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
