// Counts a batch of aux jobs (session, sessions, client_report, faultline_counter) into
// session_counts (hourly), session_minute_counts, session_users, client_report_counts and
// request_counts in one short transaction. A session update is counted once per session (Redis
// state, session-state.ts; undone when the transaction fails, so the retry counts it); users are
// idempotent; a redelivered aggregate may count twice.
import type { RedisClient } from '../shared/redis.js';
import type { Pool } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import type { AuxJob } from '../shared/queues.js';
import {
  parseClientReport,
  parseSessionAggregates,
  parseSessionUpdate,
  type ClientReportRow,
  SESSION_STATUS_RANK,
  type SessionCountRow,
  type SessionUpdate,
  type SessionUserRow,
} from '../sessions/aux-payloads.js';
import {
  insertSessionReleases,
  upsertClientReportCounts,
  upsertSessionCounts,
  upsertSessionMinuteCounts,
  upsertSessionUsers,
} from '../sessions/queries.js';
import { upsertRequestCounts } from '../counters/queries.js';
import { parseRequestCounter, type RequestCountRow } from '../counters/request-counter.js';
import { advanceSessions, undoSessionAdvances, type SessionAdvance } from '../sessions/session-state.js';

export type AuxOutcome =
  | { kind: 'counted' }
  | { kind: 'dropped'; reason: 'invalid-session' | 'invalid-client-report' | 'invalid-counter' }
  | { kind: 'invalid'; message: string };

export interface CountAuxDeps {
  pool: Pool;
  redis: RedisClient;
  redisPrefix: string;
}

/** Throws when the counts could not be written (the caller retries); per-job problems are outcomes. */
export async function countAuxJobs(deps: CountAuxDeps, jobs: AuxJob[]): Promise<AuxOutcome[]> {
  const updates: SessionUpdate[] = [];
  const sessionRows: SessionCountRow[] = [];
  const userRows: SessionUserRow[] = [];
  const reportRows: ClientReportRow[] = [];
  const requestRows: RequestCountRow[] = [];
  const outcomes = jobs.map((job): AuxOutcome => {
    let payload: unknown;
    try {
      payload = JSON.parse(job.payload);
    } catch {
      return { kind: 'invalid', message: `${job.kind} payload is not JSON` };
    }
    const ctx = { projectId: job.projectId, receivedAt: job.receivedAt };
    if (job.kind === 'session') {
      const update = parseSessionUpdate(payload, ctx);
      if (!update) return { kind: 'dropped', reason: 'invalid-session' };
      updates.push(update);
      if (update.did)
        userRows.push({
          projectId: update.projectId,
          release: update.release,
          environment: update.environment,
          hour: update.hour,
          did: update.did,
          rank: SESSION_STATUS_RANK[update.status],
        });
    } else if (job.kind === 'sessions') {
      const parsed = parseSessionAggregates(payload, ctx);
      if (!parsed) return { kind: 'dropped', reason: 'invalid-session' };
      sessionRows.push(...parsed.counts);
      userRows.push(...parsed.users);
    } else if (job.kind === 'faultline_counter') {
      const rows = parseRequestCounter(payload, ctx);
      if (!rows) return { kind: 'dropped', reason: 'invalid-counter' };
      requestRows.push(...rows);
    } else {
      const rows = parseClientReport(payload, ctx);
      if (rows.length === 0) return { kind: 'dropped', reason: 'invalid-client-report' };
      reportRows.push(...rows);
    }
    return { kind: 'counted' };
  });
  const advances: SessionAdvance[] = [];
  sessionRows.push(...(await advanceSessions(deps.redis, deps.redisPrefix, updates, advances)));
  const sessions = sumBy(
    sessionRows,
    (r) => [r.projectId, r.release, r.environment, r.hour, r.status],
    (r) => r.count,
    (r, n) => ({ ...r, count: n }),
  );
  const minutes = sumBy(
    sessionRows,
    (r) => [r.projectId, r.environment, r.minute, r.release, r.status],
    (r) => r.count,
    (r, n) => ({ ...r, count: n }),
  );
  const users = maxBy(userRows);
  const reports = sumBy(
    reportRows,
    (r) => [r.projectId, r.hour, r.reason, r.category],
    (r) => r.quantity,
    (r, n) => ({ ...r, quantity: n }),
  );
  const requests = sumBy(
    requestRows,
    (r) => [r.projectId, r.environment, r.minute, r.serverName, r.release],
    (r) => r.requests,
    (r, n) => ({ ...r, requests: n }),
  );
  if (sessions.length > 0 || users.length > 0 || reports.length > 0 || requests.length > 0) {
    try {
      await withTransaction(deps.pool, async (tx) => {
        await insertSessionReleases(tx, releasesOf(sessions));
        await upsertSessionCounts(tx, sessions);
        await upsertSessionMinuteCounts(tx, minutes);
        await upsertSessionUsers(tx, users);
        await upsertClientReportCounts(tx, reports);
        await upsertRequestCounts(tx, requests);
      });
    } catch (err) {
      // Nothing was counted: put the sessions' state back so the retried batch counts them.
      await undoSessionAdvances(deps.redis, advances).catch(() => {});
      throw err;
    }
  }
  return outcomes;
}

/** The distinct (project, release) pairs of counted sessions, sorted (lock order). */
function releasesOf(rows: SessionCountRow[]): Array<{ projectId: string; release: string }> {
  const seen = new Map(
    rows
      .filter((r) => r.count > 0)
      .map((r) => [`${r.projectId}\u0000${r.release}`, { projectId: r.projectId, release: r.release }]),
  );
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/** One row per user key with the worst rank, sorted by key (the upsert's lock order). */
function maxBy(rows: SessionUserRow[]): SessionUserRow[] {
  const worst = new Map<string, SessionUserRow>();
  for (const r of rows) {
    const k = [r.projectId, r.release, r.environment, r.hour, r.did].join('\u0000');
    const w = worst.get(k);
    if (!w || r.rank > w.rank) worst.set(k, r);
  }
  return [...worst.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/** Sums rows with equal keys, drops zero sums, sorts by key (one lock order for all batches). */
function sumBy<T>(
  rows: T[],
  key: (r: T) => string[],
  amount: (r: T) => number,
  withAmount: (r: T, n: number) => T,
): T[] {
  const sums = new Map<string, { row: T; n: number }>();
  for (const r of rows) {
    const k = key(r).join('\u0000');
    const s = sums.get(k);
    if (s) s.n += amount(r);
    else sums.set(k, { row: r, n: amount(r) });
  }
  return [...sums.entries()]
    .filter(([, s]) => s.n !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, s]) => withAmount(s.row, s.n));
}
