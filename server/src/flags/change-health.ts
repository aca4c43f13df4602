// Flag-change health: gathers the counts around one flag change (queries.ts) across the
// organization's projects, hands them to the pure verdict (change-verdict.ts) and stores it.
// Windows as for deploys (releases/health.ts): after = up to an hour since the change, before =
// as long, at least 10 minutes. Counts are per minute, so the change's own minute counts as after,
// and each side's rate is taken over the minutes its counters cover (countedMinutes).
import type { Queryable } from '../db/pool.js';
import { listProjects } from '../projects/queries.js';
import { MIN_BASELINE_MINUTES, OBSERVATION_MINUTES } from '../releases/health.js';
import { decideChangeVerdict, type ChangeVerdict } from './change-verdict.js';
import { updateChangeVerdict, type AuditLogRow } from './log-queries.js';
import { countEventWindows, countFlagResultWindows, listNewIssuesAfterChange, type ChangeScope } from './queries.js';

const NEW_ISSUE_LIMIT = 50;

export interface ChangeHealthReport extends ChangeVerdict {
  changeId: string;
  flag: string;
  action: string;
  window: {
    changedAt: string;
    beforeStart: string;
    afterEnd: string;
    beforeMinutes: number;
    afterMinutes: number;
    isFinal: boolean;
  };
  before: { events: number; newIssues: number; byResult: Record<string, number> };
  after: { events: number; newIssues: number; byResult: Record<string, number> };
}

export async function computeChangeHealth(
  db: Queryable,
  change: AuditLogRow,
  now: Date,
  opts: { store?: boolean } = {},
): Promise<ChangeHealthReport> {
  const at = change.createdAt;
  const afterMinutes = Math.min(OBSERVATION_MINUTES, Math.max(0, (now.getTime() - at.getTime()) / 60_000));
  const beforeMinutes = Math.max(afterMinutes, MIN_BASELINE_MINUTES);
  const projectIds = (await listProjects(db, change.organizationId)).map((p) => p.id);
  const scope: ChangeScope = {
    projectIds,
    flag: change.flag,
    at,
    beforeStart: new Date(at.getTime() - beforeMinutes * 60_000),
    afterEnd: new Date(at.getTime() + afterMinutes * 60_000 + 1),
  };
  const [results, totals, newIssues] = await Promise.all([
    countFlagResultWindows(db, scope),
    countEventWindows(db, scope),
    listNewIssuesAfterChange(db, scope, NEW_ISSUE_LIMIT),
  ]);
  const side = (isAfter: boolean) => ({
    events: totals.find((t) => t.isAfter === isAfter)?.events ?? 0,
    newIssues: totals.find((t) => t.isAfter === isAfter)?.newIssues ?? 0,
    byResult: Object.fromEntries(results.filter((r) => r.isAfter === isAfter).map((r) => [r.result, r.events])),
  });
  const before = side(false);
  const after = side(true);
  const names = [...new Set(results.map((r) => r.result))];
  const counted = countedMinutes(scope, now);
  const verdict = decideChangeVerdict({
    flag: change.flag,
    minutesSinceChange: (now.getTime() - at.getTime()) / 60_000,
    beforeMinutes: counted.before,
    afterMinutes: Math.max(counted.after, 1 / 60),
    overall: {
      before: before.events,
      after: after.events,
      newIssuesBefore: before.newIssues,
      newIssuesAfter: after.newIssues,
    },
    byResult: names.map((result) => ({
      result,
      before: before.byResult[result] ?? 0,
      after: after.byResult[result] ?? 0,
    })),
    newIssues,
  });
  const isFinal = afterMinutes >= OBSERVATION_MINUTES;
  if (opts.store !== false) await updateChangeVerdict(db, { id: change.id, verdict: verdict.verdict, isFinal });
  return {
    ...verdict,
    changeId: change.id,
    flag: change.flag,
    action: change.action,
    window: {
      changedAt: at.toISOString(),
      beforeStart: scope.beforeStart.toISOString(),
      afterEnd: new Date(at.getTime() + afterMinutes * 60_000).toISOString(),
      beforeMinutes,
      afterMinutes,
      isFinal,
    },
    before,
    after,
  };
}

/**
 * The time the minute counters of each window cover (queries.ts counts whole minute buckets): the
 * before buckets run from beforeStart's minute up to the change's minute; the after buckets from
 * the change's minute through the one holding afterEnd, whose data exists only up to `now`. A
 * change at hh:mm:50 judged at hh:mm+2:00 has two minutes of counts after it, not 70 seconds.
 */
export function countedMinutes(s: Pick<ChangeScope, 'at' | 'beforeStart' | 'afterEnd'>, now: Date) {
  const floor = (ms: number) => Math.floor(ms / 60_000) * 60_000;
  const start = floor(s.at.getTime());
  const lastBucketEnd = floor(s.afterEnd.getTime() - 1) + 60_000;
  return {
    before: (start - floor(s.beforeStart.getTime())) / 60_000,
    after: Math.max(0, Math.min(now.getTime(), lastBucketEnd) - start) / 60_000,
  };
}
