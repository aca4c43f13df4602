// Stage "count" (inside the batch transaction, after store): applies the batch's newly stored
// events to the counters — issues (counts, seen times, status), hourly counts, tag values,
// user_count, implicit releases and environments, feature-flag evaluations — with one statement
// per table.
import type { Queryable } from '../db/pool.js';
import {
  lockIssues,
  updateIssueCounters,
  upsertIssueHourlyCounts,
  upsertIssueTagValues,
  type IssueCounterRow,
} from '../issues/queries.js';
import { nextStatusOnEvents } from '../issues/state.js';
import { upsertEnvironmentsSeen, upsertReleasesSeen } from '../releases/queries.js';
import { loadRegressionInputs } from '../releases/regression-queries.js';
import type { AssignedEvent } from './prepared.js';
import { iso, tally, type IssueDelta } from './tally.js';
import { tallyFlags } from './tally-flags.js';
import { upsertFlagCounts } from '../flags/queries.js';

/** Counts the events; returns the ids of issues these events reopened (regressions). */
export async function count(tx: Queryable, events: AssignedEvent[], now: Date): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const t = tally(events);
  // Lock order across all transactions: issue rows (by id), then their hourly and tag rows, then
  // releases and environments; each list is sorted, so concurrent batches cannot deadlock.
  const locked = new Map(
    (
      await lockIssues(
        tx,
        t.issues.map((d) => d.issueId),
      )
    ).map((r) => [r.id, r]),
  );
  await upsertIssueHourlyCounts(tx, t.hourly);
  const newUsers = await upsertIssueTagValues(tx, t.tags);
  await upsertFlagCounts(tx, tallyFlags(events)); // feature-flag evaluations (flags/)

  // Resolved issues reopen by release-aware rules (releases/regressions.ts): load their inputs.
  const resolved = t.issues.filter((d) => locked.get(d.issueId)?.status === 'resolved');
  const reg = await loadRegressionInputs(
    tx,
    resolved.map((d) => ({
      issueId: d.issueId,
      projectId: d.events[0]!.projectId,
      eventReleases: d.events.map((e) => e.event.release ?? null),
    })),
  );

  const regressed = new Set<string>();
  const rows: IssueCounterRow[] = [];
  for (const d of t.issues) {
    const row = locked.get(d.issueId);
    if (!row) continue; // deleted concurrently; its events stay orphaned until retention
    const issue = { ...row, ...reg.resolutions.get(d.issueId) };
    const facts = d.events.map((e) => ({
      timestamp: new Date(e.event.timestamp * 1000),
      release: e.event.release ?? null,
    }));
    const next = nextStatusOnEvents(issue, facts, now, reg.releaseOf(d.events[0]!.projectId));
    if (next.isRegression) regressed.add(d.issueId);
    rows.push(counterRow(d, newUsers.get(d.issueId) ?? 0, next));
  }
  await updateIssueCounters(tx, rows);
  await upsertReleasesSeen(tx, t.releases);
  await upsertEnvironmentsSeen(tx, t.environments);
  return regressed;
}

function counterRow(d: IssueDelta, newUsers: number, next: ReturnType<typeof nextStatusOnEvents>): IssueCounterRow {
  const latest = d.latest;
  return {
    issueId: d.issueId,
    eventCount: d.eventCount,
    newUsers,
    firstSeen: iso(d.firstSeen),
    lastSeen: iso(d.lastSeen),
    latest: {
      title: latest.summary.title,
      culprit: latest.summary.culprit,
      level: latest.event.level,
      metadata: latest.summary.metadata,
      release: latest.event.release ?? null,
    },
    firstRelease: d.firstRelease,
    status: next.status,
    substatus: next.substatus,
    resolvedAt: next.resolvedAt ? next.resolvedAt.toISOString() : null,
    resolvedInRelease: next.resolvedInRelease,
  };
}
