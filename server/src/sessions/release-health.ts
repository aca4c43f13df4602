// Sentry's `healthData` of a release's project (releases API with `?health=1`): crash-free
// sessions and users (percent), session counts by outcome, adoption (this release's share of the
// project's sessions and users over the last 24 h) and hourly sessions of the last 24 h.
import type { Queryable } from '../db/pool.js';
import { SESSION_STATUS_RANK, type SessionStatus } from './aux-payloads.js';

export interface HealthData {
  hasHealthData: boolean;
  crashFreeSessions: number | null;
  crashFreeUsers: number | null;
  totalSessions: number;
  totalSessions24h: number;
  totalProjectSessions24h: number;
  totalUsers: number;
  totalUsers24h: number;
  totalProjectUsers24h: number;
  sessionsCrashed: number;
  sessionsErrored: number;
  sessionsUnhandled: number;
  sessionsAbnormal: number;
  adoption: number | null;
  sessionsAdoption: number | null;
  durationP50: null;
  durationP90: null;
  stats: { '24h': Array<[number, number]> };
}

const HOUR_MS = 3_600_000;
const CRASHED_RANK = SESSION_STATUS_RANK.crashed;

export function healthKey(version: string, projectId: string): string {
  return `${version}\u0000${projectId}`;
}

/** Health of each (release, project) pair among `versions` × `projectIds`; keyed by healthKey(). */
export async function listReleaseHealth(
  db: Queryable,
  a: { versions: string[]; projectIds: string[]; now: Date },
): Promise<Map<string, HealthData>> {
  const out = new Map<string, HealthData>();
  if (a.versions.length === 0 || a.projectIds.length === 0) return out;
  const since = new Date(Math.floor(a.now.getTime() / HOUR_MS) * HOUR_MS - 23 * HOUR_MS);
  const args = [a.projectIds, a.versions, since];
  const [sessions, users, projectSessions, projectUsers, hourly] = await Promise.all([
    db.query<{ projectId: string; release: string; status: SessionStatus; total: number; last24: number }>(
      `SELECT project_id::text AS "projectId", release, status, sum(count)::float8 AS total, coalesce(sum(count) FILTER (WHERE hour >= $3), 0)::float8 AS last24
         FROM session_counts WHERE project_id = ANY($1::bigint[]) AND release = ANY($2::text[]) GROUP BY 1, 2, 3`,
      args,
    ),
    db.query<{ projectId: string; release: string; users: number; crashed: number; last24: number }>(
      `SELECT project_id::text AS "projectId", release, count(DISTINCT did)::float8 AS users,
              count(DISTINCT did) FILTER (WHERE status_rank >= ${CRASHED_RANK})::float8 AS crashed,
              count(DISTINCT did) FILTER (WHERE hour >= $3)::float8 AS last24
         FROM session_users WHERE project_id = ANY($1::bigint[]) AND release = ANY($2::text[]) GROUP BY 1, 2`,
      args,
    ),
    db.query<{ projectId: string; n: number }>(
      `SELECT project_id::text AS "projectId", sum(count)::float8 AS n FROM session_counts WHERE project_id = ANY($1::bigint[]) AND hour >= $2 GROUP BY 1`,
      [a.projectIds, since],
    ),
    db.query<{ projectId: string; n: number }>(
      `SELECT project_id::text AS "projectId", count(DISTINCT did)::float8 AS n FROM session_users WHERE project_id = ANY($1::bigint[]) AND hour >= $2 GROUP BY 1`,
      [a.projectIds, since],
    ),
    db.query<{ projectId: string; release: string; hour: Date; n: number }>(
      `SELECT project_id::text AS "projectId", release, hour, sum(count)::float8 AS n
         FROM session_counts WHERE project_id = ANY($1::bigint[]) AND release = ANY($2::text[]) AND hour >= $3 GROUP BY 1, 2, 3`,
      args,
    ),
  ]);
  const projectTotals = new Map(projectSessions.rows.map((r) => [r.projectId, r.n]));
  const projectUserTotals = new Map(projectUsers.rows.map((r) => [r.projectId, r.n]));
  const get = (release: string, projectId: string): HealthData => {
    const k = healthKey(release, projectId);
    let h = out.get(k);
    if (!h)
      out.set(k, (h = emptyHealth(since, projectTotals.get(projectId) ?? 0, projectUserTotals.get(projectId) ?? 0)));
    return h;
  };
  for (const r of sessions.rows) {
    const h = get(r.release, r.projectId);
    h.totalSessions += r.total;
    h.totalSessions24h += r.last24;
    if (r.status === 'crashed') h.sessionsCrashed += r.total;
    if (r.status === 'errored') h.sessionsErrored += r.total;
    if (r.status === 'unhandled') h.sessionsUnhandled += r.total;
    if (r.status === 'abnormal') h.sessionsAbnormal += r.total;
  }
  for (const r of users.rows) {
    const h = get(r.release, r.projectId);
    h.totalUsers = r.users;
    h.totalUsers24h = r.last24;
    h.crashFreeUsers = r.users > 0 ? percent(1 - r.crashed / r.users) : null;
  }
  for (const r of hourly.rows) {
    const h = get(r.release, r.projectId);
    const i = Math.floor((r.hour.getTime() - since.getTime()) / HOUR_MS);
    if (h.stats['24h'][i]) h.stats['24h'][i]![1] += r.n;
  }
  for (const h of out.values()) {
    h.hasHealthData = h.totalSessions > 0;
    h.crashFreeSessions = h.totalSessions > 0 ? percent(1 - h.sessionsCrashed / h.totalSessions) : null;
    h.sessionsAdoption = h.totalProjectSessions24h > 0 ? percent(h.totalSessions24h / h.totalProjectSessions24h) : null;
    h.adoption = h.totalProjectUsers24h > 0 ? percent(h.totalUsers24h / h.totalProjectUsers24h) : null;
  }
  return out;
}

function emptyHealth(since: Date, projectSessions24h: number, projectUsers24h: number): HealthData {
  return {
    hasHealthData: false,
    crashFreeSessions: null,
    crashFreeUsers: null,
    totalSessions: 0,
    totalSessions24h: 0,
    totalProjectSessions24h: projectSessions24h,
    totalUsers: 0,
    totalUsers24h: 0,
    totalProjectUsers24h: projectUsers24h,
    sessionsCrashed: 0,
    sessionsErrored: 0,
    sessionsUnhandled: 0,
    sessionsAbnormal: 0,
    adoption: null,
    sessionsAdoption: null,
    durationP50: null,
    durationP90: null,
    stats: {
      '24h': Array.from({ length: 24 }, (_, i): [number, number] => [(since.getTime() + i * HOUR_MS) / 1000, 0]),
    },
  };
}

/** Percent with Sentry's precision (rates are shown to two decimals). */
function percent(x: number): number {
  return Math.round(x * 1_000_000) / 10_000;
}
