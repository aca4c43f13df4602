// Folds the counts around a deploy into the verdict's inputs (pure): environment-wide windows,
// and the canary split — hosts that ran the deployed release after the deploy versus hosts
// still on other releases over the same window, each with its own history before the deploy.
import type { HostReleaseCount, SessionReleaseCount } from './health-queries.js';
import type { HealthInputs, HostGroup } from './verdict.js';
import { emptySessionWindow, type SessionInputs, type SessionWindow } from './session-health.js';

export interface RequestCountRow {
  serverName: string | null;
  release: string | null;
  requests: number;
}

type RequestRows = RequestCountRow[] | null;

/** Folds host × release counts into the verdict's windows and canary groups. Pure. */
export function healthInputs(a: {
  counts: HostReleaseCount[];
  version: string;
  beforeMinutes: number;
  afterMinutes: number;
  requestsBefore: RequestRows;
  requestsAfter: RequestRows;
  sessions?: SessionReleaseCount[];
}): HealthInputs {
  const sessions = sessionInputs(a.sessions ?? []);
  const sum = (rows: HostReleaseCount[]) => rows.reduce((n, r) => n + r.events, 0);
  const reqSum = (rows: RequestRows, hosts?: Set<string>) =>
    rows
      ? rows
          .filter((r) => !hosts || (r.serverName !== null && hosts.has(r.serverName)))
          .reduce((n, r) => n + r.requests, 0)
      : null;
  const beforeRows = a.counts.filter((c) => !c.isAfter);
  const afterRows = a.counts.filter((c) => c.isAfter);
  // Which release a host ran comes from its events, and from request counts when it sent no errors.
  const seen = [
    ...afterRows.map((c) => ({ serverName: c.serverName, release: c.release })),
    ...(a.requestsAfter ?? []),
  ];
  const newHosts = new Set(
    seen.filter((c) => c.release === a.version && c.serverName !== null).map((c) => c.serverName!),
  );
  const otherHosts = new Set(
    seen
      .filter((c) => c.serverName !== null && c.release !== a.version && !newHosts.has(c.serverName))
      .map((c) => c.serverName!),
  );
  const group = (hosts: Set<string>): HostGroup => ({
    hosts: [...hosts].sort(),
    before: {
      events: sum(beforeRows.filter((c) => c.serverName !== null && hosts.has(c.serverName))),
      minutes: a.beforeMinutes,
      requests: reqSum(a.requestsBefore, hosts),
    },
    after: {
      events: sum(afterRows.filter((c) => c.serverName !== null && hosts.has(c.serverName))),
      minutes: a.afterMinutes,
      requests: reqSum(a.requestsAfter, hosts),
    },
  });
  return {
    minutesSinceDeploy: a.afterMinutes,
    before: {
      events: sum(beforeRows),
      minutes: a.beforeMinutes,
      requests: reqSum(a.requestsBefore),
      ...(sessions ? { sessions: sessions.before.total } : {}),
    },
    after: {
      events: sum(afterRows),
      minutes: a.afterMinutes,
      requests: reqSum(a.requestsAfter),
      ...(sessions ? { sessions: sessions.after.total + sessions.otherAfter.total } : {}),
    },
    canary:
      newHosts.size > 0 && otherHosts.size > 0
        ? { newRelease: group(newHosts), otherReleases: group(otherHosts) }
        : null,
    newIssues: [],
    regressions: [],
    ...(sessions ? { sessions } : {}),
  };
}

/** Session counts folded into the before window, this release after, and other releases after. */
function sessionInputs(rows: SessionReleaseCount[]): SessionInputs | null {
  if (rows.length === 0) return null;
  const s: SessionInputs = {
    before: emptySessionWindow(),
    after: emptySessionWindow(),
    otherAfter: emptySessionWindow(),
  };
  for (const r of rows) {
    const w: SessionWindow = !r.isAfter ? s.before : r.isRelease ? s.after : s.otherAfter;
    w.total += r.sessions;
    if (r.status === 'crashed' || r.status === 'unhandled' || r.status === 'errored' || r.status === 'abnormal')
      w[r.status] += r.sessions;
  }
  return s;
}
