// Pure shaping of release-health rows into Sentry's sessions API body:
// {start, end, intervals, groups: [{by, totals, series}]}, with Sentry's field semantics:
// crash-free = 1 − crashed / all (abnormal and unhandled are not crashes), session.status in
// healthy / errored / unhandled / abnormal / crashed (exclusive: a session is in its worst one).
import type { SessionStatus } from './aux-payloads.js';
import type { SessionCountBucket, UserCountBucket } from './health-queries.js';

export const SESSION_FIELDS = [
  'sum(session)',
  'count_unique(user)',
  'crash_free_rate(session)',
  'crash_free_rate(user)',
] as const;
export type SessionField = (typeof SESSION_FIELDS)[number];
export const SESSION_GROUP_BYS = ['project', 'release', 'environment', 'session.status'] as const;
export type SessionGroupBy = (typeof SESSION_GROUP_BYS)[number];

export const STATUS_GROUPS = ['healthy', 'errored', 'unhandled', 'abnormal', 'crashed'] as const;
type StatusGroup = (typeof STATUS_GROUPS)[number];
const GROUP_OF_STATUS: Record<SessionStatus, StatusGroup> = {
  ok: 'healthy',
  exited: 'healthy',
  errored: 'errored',
  unhandled: 'unhandled',
  abnormal: 'abnormal',
  crashed: 'crashed',
};
const GROUP_OF_RANK: StatusGroup[] = ['healthy', 'healthy', 'errored', 'unhandled', 'abnormal', 'crashed'];

export interface SessionsBody {
  start: string;
  end: string;
  intervals: string[];
  groups: Array<{
    by: Record<string, string | number>;
    totals: Record<string, number | null>;
    series: Record<string, Array<number | null>>;
  }>;
  query: string;
}

/** Per group: sessions and users per status group, over the range and per bucket. */
interface Acc {
  by: Record<string, string | number>;
  sessions: Record<StatusGroup, number>;
  sessionSeries: Record<StatusGroup, number[]>;
  users: Record<StatusGroup, number>;
  userSeries: Record<StatusGroup, number[]>;
}

export function buildSessionsBody(a: {
  fields: SessionField[];
  groupBy: SessionGroupBy[];
  start: number; // ms, aligned
  stepMs: number;
  buckets: number;
  sessions: SessionCountBucket[];
  usersInBuckets: UserCountBucket[];
  usersInRange: UserCountBucket[];
  query: string;
}): SessionsBody {
  const accs = new Map<string, Acc>();
  const zero = () => Object.fromEntries(STATUS_GROUPS.map((s) => [s, 0])) as Record<StatusGroup, number>;
  const zeros = () =>
    Object.fromEntries(STATUS_GROUPS.map((s) => [s, new Array<number>(a.buckets).fill(0)])) as Record<
      StatusGroup,
      number[]
    >;
  const dims = a.groupBy.filter((g) => g !== 'session.status');
  const accOf = (r: { projectId: string | null; release: string | null; environment: string | null }): Acc => {
    const by: Record<string, string | number> = {};
    for (const d of dims)
      by[d] = d === 'project' ? Number(r.projectId) : d === 'release' ? (r.release ?? '') : (r.environment ?? '');
    const key = JSON.stringify(by);
    let acc = accs.get(key);
    if (!acc)
      accs.set(key, (acc = { by, sessions: zero(), sessionSeries: zeros(), users: zero(), userSeries: zeros() }));
    return acc;
  };
  const indexOf = (d: Date) => Math.floor((d.getTime() - a.start) / a.stepMs);
  for (const r of a.sessions) {
    const acc = accOf(r);
    const g = GROUP_OF_STATUS[r.status];
    const i = indexOf(r.bucket);
    acc.sessions[g] += r.count;
    if (i >= 0 && i < a.buckets) acc.sessionSeries[g][i]! += r.count;
  }
  for (const r of a.usersInBuckets) {
    const i = r.bucket ? indexOf(r.bucket) : -1;
    if (i >= 0 && i < a.buckets) accOf(r).userSeries[GROUP_OF_RANK[r.rank] ?? 'healthy'][i]! += r.users;
  }
  for (const r of a.usersInRange) accOf(r).users[GROUP_OF_RANK[r.rank] ?? 'healthy'] += r.users;
  if (accs.size === 0 && dims.length === 0) accOf({ projectId: null, release: null, environment: null });

  const byStatus = a.groupBy.includes('session.status');
  const groups: SessionsBody['groups'] = [];
  for (const acc of [...accs.values()].sort((x, y) => compareBy(x.by, y.by))) {
    const only: Array<StatusGroup | null> = byStatus ? [...STATUS_GROUPS] : [null];
    for (const status of only) {
      const by = status ? { ...acc.by, 'session.status': status } : acc.by;
      const totals: Record<string, number | null> = {};
      const series: Record<string, Array<number | null>> = {};
      for (const f of a.fields) {
        totals[f] = fieldValue(f, status, acc.sessions, acc.users);
        series[f] = Array.from({ length: a.buckets }, (_, i) =>
          fieldValue(f, status, pick(acc.sessionSeries, i), pick(acc.userSeries, i)),
        );
      }
      groups.push({ by, totals, series });
    }
  }
  const intervals = Array.from({ length: a.buckets }, (_, i) => new Date(a.start + i * a.stepMs).toISOString());
  return {
    start: new Date(a.start).toISOString(),
    end: new Date(a.start + a.buckets * a.stepMs).toISOString(),
    intervals,
    groups,
    query: a.query,
  };
}

function pick(series: Record<StatusGroup, number[]>, i: number): Record<StatusGroup, number> {
  return Object.fromEntries(STATUS_GROUPS.map((s) => [s, series[s][i] ?? 0])) as Record<StatusGroup, number>;
}

function sum(c: Record<StatusGroup, number>): number {
  return STATUS_GROUPS.reduce((n, s) => n + c[s], 0);
}

/** One field of one group: counts of the status when grouped by it, rates only without it. */
function fieldValue(
  f: SessionField,
  status: StatusGroup | null,
  sessions: Record<StatusGroup, number>,
  users: Record<StatusGroup, number>,
): number | null {
  switch (f) {
    case 'sum(session)':
      return status ? sessions[status] : sum(sessions);
    case 'count_unique(user)':
      return status ? users[status] : sum(users);
    case 'crash_free_rate(session)':
      return status || sum(sessions) === 0 ? null : 1 - sessions.crashed / sum(sessions);
    case 'crash_free_rate(user)':
      return status || sum(users) === 0 ? null : 1 - users.crashed / sum(users);
  }
}

function compareBy(x: Record<string, string | number>, y: Record<string, string | number>): number {
  const a = JSON.stringify(x);
  const b = JSON.stringify(y);
  return a < b ? -1 : a > b ? 1 : 0;
}
