// Pure parsers for the release-health and loss items that ride along in envelopes: a session
// update, a sessions aggregate and a client report, each turned into hourly (and, for sessions,
// per-minute and distinct-user) rows. Unusable items are dropped whole (shared/protocol/session.ts);
// ingest already refused most of them with an `invalid` outcome (protocol.md §7, §9).
import {
  clampTimestamp,
  isRecord,
  normalizeEnvironment,
  normalizeRelease,
  parseTimestamp,
  shortString,
} from '../shared/normalize-values.js';

import { sessionItemProblem, SESSION_STATUSES, type SessionStatus } from '../shared/protocol/session.js';

export type { SessionStatus };

/**
 * A session only moves up this ladder: out-of-order updates never undo a crash. `unhandled`
 * (browser SDKs 10+: an unhandled error that did not end the app) is its own rung, not a crash.
 */
export const SESSION_STATUS_RANK: Record<SessionStatus, number> = {
  ok: 0,
  exited: 1,
  errored: 2,
  unhandled: 3,
  abnormal: 4,
  crashed: 5,
};

/** The distinct-user id (`did`) is bounded: SDKs send a user id, e-mail or IP. */
const MAX_DID_CHARS = 128;

export interface AuxContext {
  projectId: string;
  receivedAt: number; // ms
}

export interface SessionBucket {
  projectId: string;
  release: string;
  environment: string;
  hour: string; // ISO, start of the hour the session started in
  minute: string; // ISO, start of the minute the session started in
}

export interface SessionUpdate extends SessionBucket {
  sid: string;
  did: string | null;
  status: SessionStatus;
}

export interface SessionCountRow extends SessionBucket {
  status: SessionStatus;
  count: number;
}

/** A distinct user in an hour with the worst status one of their sessions reached. */
export interface SessionUserRow {
  projectId: string;
  release: string;
  environment: string;
  hour: string;
  did: string;
  rank: number;
}

export interface ClientReportRow {
  projectId: string;
  hour: string;
  reason: string;
  category: string;
  quantity: number;
}

/** One `session` item; null when it is unusable (shared/protocol/session.ts says which field). */
export function parseSessionUpdate(payload: unknown, ctx: AuxContext): SessionUpdate | null {
  if (sessionItemProblem('session', payload) !== null || !isRecord(payload)) return null;
  const sid = shortString(payload.sid, 64);
  const bucket = sessionBucket(payload.attrs, payload.started ?? payload.timestamp, ctx);
  if (!sid || !bucket) return null;
  const raw = (payload.status ?? 'ok') as SessionStatus;
  const errors = typeof payload.errors === 'number' ? payload.errors : 0;
  // A session that saw errors but otherwise ended fine counts as errored (Sentry's definition).
  const status = errors > 0 && (raw === 'ok' || raw === 'exited') ? 'errored' : raw;
  return { ...bucket, sid, did: didOf(payload.did), status };
}

/** One `sessions` item (request-mode aggregates): counts per started minute and final status. */
export function parseSessionAggregates(
  payload: unknown,
  ctx: AuxContext,
): { counts: SessionCountRow[]; users: SessionUserRow[] } | null {
  if (sessionItemProblem('sessions', payload) !== null || !isRecord(payload) || !Array.isArray(payload.aggregates))
    return null;
  const counts: SessionCountRow[] = [];
  const users: SessionUserRow[] = [];
  for (const agg of payload.aggregates) {
    if (!isRecord(agg)) return null;
    const bucket = sessionBucket(payload.attrs, agg.started, ctx);
    if (!bucket) return null;
    let worst = -1;
    for (const status of SESSION_STATUSES) {
      const n = count(agg[status]);
      if (n > 0) {
        counts.push({ ...bucket, status, count: n });
        worst = Math.max(worst, SESSION_STATUS_RANK[status]);
      }
    }
    const did = didOf(agg.did);
    if (did && worst >= 0)
      users.push({
        projectId: bucket.projectId,
        release: bucket.release,
        environment: bucket.environment,
        hour: bucket.hour,
        did,
        rank: worst,
      });
  }
  return { counts, users };
}

function didOf(value: unknown): string | null {
  return shortString(value, MAX_DID_CHARS, { truncate: true }) ?? null;
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
  const at = clampTimestamp(parseTimestamp(started), received);
  return {
    projectId: ctx.projectId,
    release,
    environment: normalizeEnvironment(a.environment) ?? '',
    hour: hourOf(at),
    minute: new Date(Math.floor(at / 60) * 60 * 1000).toISOString(),
  };
}

function hourOf(seconds: number): string {
  return new Date(Math.floor(seconds / 3600) * 3600 * 1000).toISOString();
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
