// Deploy health: gathers the aggregates around one deploy (health-queries.ts: events, request
// counts and release-health sessions by the minute they started), hands them to the
// pure verdict (verdict.ts), and adds the rollback target — the newest earlier deploy of another
// release to the same environment that was healthy (else the release last seen there), and the
// deploy's suspect commits per new issue and regression (commit-evidence.ts). While the deploy is young the verdict
// is recomputed on every request; once its after window is complete it is stored as final.
import type { Queryable } from '../db/pool.js';
import { requestCountSource } from '../counters/request-count-source.js';
import { listEarlierDeploys, updateDeployVerdict, type DeployRow } from './deploy-queries.js';
import { healthInputs, type RequestCountRow } from './health-inputs.js';
import { addSuspectCommits } from './commit-evidence.js';
import {
  countEventsByHostRelease,
  countSessionsAroundDeploy,
  findLastSeenRelease,
  listNewIssues,
  listRegressions,
  type HealthScope,
  type IssueCountRow,
} from './health-queries.js';
import { decideVerdict, type HostGroup, type IssueEvidence, type VerdictResult, type Window } from './verdict.js';

/** How long after a deploy its verdict keeps moving; later data is a different question. */
export const OBSERVATION_MINUTES = 60;
/** The baseline before a deploy is at least this long, so a young deploy is not judged on seconds of history. */
export const MIN_BASELINE_MINUTES = 10;
const ISSUE_LIMIT = 50;
const ROLLBACK_CANDIDATES = 10;

/**
 * Requests served per host × release in a window (from the SDK's counter datagrams), when that
 * data exists; the verdict then compares errors per 1,000 requests instead of per minute.
 */
export interface RequestCountSource {
  countRequests(scope: {
    projectIds: string[];
    environment: string;
    from: Date;
    to: Date;
  }): Promise<RequestCountRow[] | null>;
}

export interface HealthReport extends VerdictResult {
  deployId: string;
  release: string;
  environment: string;
  window: {
    deployedAt: string;
    beforeStart: string;
    afterEnd: string;
    beforeMinutes: number;
    afterMinutes: number;
    isFinal: boolean;
  };
  before: Window;
  after: Window;
  hosts: { newRelease: HostGroup; otherReleases: HostGroup } | null;
  newIssues: IssueEvidence[];
  regressions: IssueEvidence[];
  /**
   * Deployed targets carry their deploy; when no earlier deploy qualifies, the release last seen
   * in the environment before this deploy (source `last-seen`, no deploy record) is the target.
   */
  rollbackTarget: {
    version: string;
    deployId: string | null;
    deployedAt: string | null;
    verdict: string | null;
    source: 'deploy' | 'last-seen';
    lastSeen?: string;
  } | null;
}

export async function computeDeployHealth(
  db: Queryable,
  deploy: DeployRow,
  now: Date,
  opts: { requests?: RequestCountSource; withRollback?: boolean; store?: boolean } = {},
): Promise<HealthReport> {
  opts = { ...opts, requests: opts.requests ?? requestCountSource(db) }; // the SDK's request counters (counters/)
  const deployedAt = deployTime(deploy);
  const afterMinutes = clamp((now.getTime() - deployedAt.getTime()) / 60_000, 0, OBSERVATION_MINUTES);
  const beforeMinutes = Math.max(afterMinutes, MIN_BASELINE_MINUTES);
  const scope: HealthScope = {
    projectIds: deploy.projectIds,
    environment: deploy.environment,
    version: deploy.version,
    deployAt: deployedAt,
    beforeStart: new Date(deployedAt.getTime() - beforeMinutes * 60_000),
    afterEnd: new Date(deployedAt.getTime() + afterMinutes * 60_000),
  };
  const [counts, newIssues, regressions, before, after, sessions] = await Promise.all([
    countEventsByHostRelease(db, scope),
    listNewIssues(db, scope, ISSUE_LIMIT),
    listRegressions(db, scope, ISSUE_LIMIT),
    opts.requests?.countRequests({
      projectIds: scope.projectIds,
      environment: scope.environment,
      from: scope.beforeStart,
      to: deployedAt,
    }) ?? null,
    opts.requests?.countRequests({
      projectIds: scope.projectIds,
      environment: scope.environment,
      from: deployedAt,
      to: scope.afterEnd,
    }) ?? null,
    countSessionsAroundDeploy(db, scope),
  ]);
  const inputs = healthInputs({
    counts,
    version: deploy.version,
    beforeMinutes,
    afterMinutes,
    requestsBefore: before,
    requestsAfter: after,
    sessions,
  });
  inputs.newIssues = newIssues.map(toEvidence);
  inputs.regressions = regressions.map(toEvidence);
  const result = decideVerdict(inputs);
  if (opts.withRollback !== false)
    await addSuspectCommits(db, deploy, [inputs.newIssues, inputs.regressions], result.reasons);
  const isFinal = afterMinutes >= OBSERVATION_MINUTES;
  if (opts.store !== false)
    await updateDeployVerdict(db, { deployId: deploy.id, verdict: result.verdict, at: now, isFinal });
  const rollbackTarget = opts.withRollback === false ? null : await findRollbackTarget(db, deploy, now, opts);
  return {
    ...result,
    deployId: deploy.id,
    release: deploy.version,
    environment: deploy.environment,
    window: {
      deployedAt: deployedAt.toISOString(),
      beforeStart: scope.beforeStart.toISOString(),
      afterEnd: scope.afterEnd.toISOString(),
      beforeMinutes,
      afterMinutes,
      isFinal,
    },
    before: inputs.before,
    after: inputs.after,
    hosts: inputs.canary,
    newIssues: inputs.newIssues,
    regressions: inputs.regressions,
    rollbackTarget,
  };
}

function toEvidence(r: IssueCountRow): IssueEvidence {
  return {
    issueId: r.issueId,
    shortId: r.shortId,
    title: r.title,
    events: r.events,
    eventsOtherReleases: r.eventsOtherReleases,
    hosts: r.hosts,
  };
}

export function deployTime(d: DeployRow): Date {
  return d.dateStarted ?? d.dateFinished;
}

/**
 * The newest earlier deploy of another release to the environment that was healthy (else the
 * newest that was at least not failing). A verdict not yet final is recomputed on the data
 * before this deploy, so this deploy's errors are not blamed on it.
 */
async function findRollbackTarget(
  db: Queryable,
  deploy: DeployRow,
  now: Date,
  opts: { requests?: RequestCountSource },
): Promise<HealthReport['rollbackTarget']> {
  const until = new Date(Math.min(now.getTime(), deployTime(deploy).getTime()));
  let fallback: HealthReport['rollbackTarget'] = null;
  for (const d of await listEarlierDeploys(db, deploy, ROLLBACK_CANDIDATES)) {
    // An earlier deploy whose whole window lies before `until` gets its final verdict here, stored,
    // so the next request reads it instead of recomputing every candidate (docs/scaling.md).
    const complete = until.getTime() - deployTime(d).getTime() >= OBSERVATION_MINUTES * 60_000;
    const verdict =
      d.isVerdictFinal && d.verdict
        ? d.verdict
        : (await computeDeployHealth(db, d, until, { ...opts, withRollback: false, store: complete })).verdict;
    const target = {
      version: d.version,
      deployId: d.id,
      deployedAt: deployTime(d).toISOString(),
      verdict,
      source: 'deploy' as const,
    };
    if (verdict === 'healthy') return target;
    if (verdict === 'suspect') fallback ??= target;
  }
  if (fallback) return fallback;
  const seen = await findLastSeenRelease(db, {
    projectIds: deploy.projectIds,
    environment: deploy.environment,
    version: deploy.version,
    before: until,
  });
  return seen
    ? {
        version: seen.version,
        deployId: null,
        deployedAt: null,
        verdict: null,
        source: 'last-seen',
        lastSeen: seen.lastSeen.toISOString(),
      }
    : null;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
