// Release health for the UI, pure: one release's healthData summed over its projects (rates
// weighted by sessions / users), percent formatting, and a sessions-API body as stacked bars.
import type { ApiHealthData, ApiSessions } from './types.js';
import type { Series } from './sparkline.js';

export interface HealthSummary {
  sessions: number;
  crashFreeSessions: number | null;
  crashFreeUsers: number | null;
  adoption: number | null;
  series: Series;
}

/** Null when no project of the release (an ApiReleaseListItem asked with ?health=1) has sessions. */
export function summarizeHealth(r: {
  projects: ReadonlyArray<{ healthData?: ApiHealthData | null }>;
}): HealthSummary | null {
  const hs = (r.projects ?? []).map((p) => p.healthData).filter((h): h is ApiHealthData => !!h && h.hasHealthData);
  if (hs.length === 0) return null;
  const sum = (f: (h: ApiHealthData) => number) => hs.reduce((n, h) => n + f(h), 0);
  const sessions = sum((h) => h.totalSessions);
  const users = sum((h) => h.totalUsers);
  const weighted = (rate: (h: ApiHealthData) => number | null, weight: (h: ApiHealthData) => number, total: number) =>
    total > 0 ? hs.reduce((n, h) => n + (rate(h) ?? 100) * weight(h), 0) / total : null;
  const projectSessions = sum((h) => h.totalProjectSessions24h);
  const series: Series = (hs[0]?.stats['24h'] ?? []).map(([t], i) => [
    t,
    hs.reduce((n, h) => n + (h.stats['24h'][i]?.[1] ?? 0), 0),
  ]);
  return {
    sessions,
    crashFreeSessions: weighted(
      (h) => h.crashFreeSessions,
      (h) => h.totalSessions,
      sessions,
    ),
    crashFreeUsers:
      users > 0
        ? weighted(
            (h) => h.crashFreeUsers,
            (h) => h.totalUsers,
            users,
          )
        : null,
    adoption: projectSessions > 0 ? (100 * sum((h) => h.totalSessions24h)) / projectSessions : null,
    series,
  };
}

/** "99.5 %", "100 %", or "—". */
export function formatPercent(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const r = Math.floor(x * 10) / 10; // never round 99.96 up to "100 %"
  return `${r === 100 || r === 0 ? r.toFixed(0) : r.toFixed(1)} %`;
}

export interface SessionBar {
  at: string;
  healthy: number;
  errored: number;
  crashed: number;
}

/** Per interval: healthy, errored (errored + unhandled + abnormal) and crashed sessions. */
export function sessionBars(body: ApiSessions): SessionBar[] {
  const of = (status: string) =>
    body.groups.find((g) => g.by['session.status'] === status)?.series['sum(session)'] ?? [];
  const [healthy, errored, unhandled, abnormal, crashed] = [
    'healthy',
    'errored',
    'unhandled',
    'abnormal',
    'crashed',
  ].map(of);
  return body.intervals.map((at, i) => ({
    at,
    healthy: healthy![i] ?? 0,
    errored: (errored![i] ?? 0) + (unhandled![i] ?? 0) + (abnormal![i] ?? 0),
    crashed: crashed![i] ?? 0,
  }));
}

/**
 * The bar the deploy at `at` (ms) falls in: it counts as after the deploy (as the verdict counts
 * the deploy's minute), so the chart draws the deploy line at its left edge. 0 before the first
 * bar, bars.length after the last.
 */
export function deployBarIndex(bars: ReadonlyArray<{ at: string }>, at: number, stepMs: number): number {
  const i = bars.findIndex((b) => Date.parse(b.at) + stepMs > at);
  return i === -1 ? bars.length : i;
}
