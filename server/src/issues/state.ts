// Pure issue status rules applied by the pipeline when an event lands on an existing issue.
// No I/O, no clock: the caller passes `now`. Whether a resolved issue reopens is decided by
// the release-aware rules in releases/regressions.ts.
import type { ReleaseRef } from '../releases/order.js';
import { isRegression, resolutionFromColumns } from '../releases/regressions.js';

export type IssueStatus = 'unresolved' | 'resolved' | 'ignored';

export interface IssueState {
  status: IssueStatus;
  substatus: string | null;
  resolvedAt: Date | null;
  resolvedInRelease: string | null;
  /** "Resolved in the next release" (migration 0042); absent means false. */
  resolvedInNextRelease?: boolean;
  /** The newest release when resolved in the next release. */
  resolvedAfterRelease?: string | null;
}

/** Creation dates of releases by version (null when not recorded), for release ordering. */
export type ReleaseLookup = (version: string) => ReleaseRef | null;

/** What the rules may look at from the incoming event. */
export interface EventFacts {
  timestamp: Date;
  release: string | null;
}

export type StatusChange = IssueState & { isRegression: boolean };

/**
 * The issue's state after one more event. A resolved issue regresses unless it was resolved in
 * a release and the event comes from that release's past (or has no release); ignored stays ignored.
 */
export function nextStatusOnEvent(
  issue: IssueState,
  event: EventFacts,
  _now: Date,
  releaseOf: ReleaseLookup = () => null,
): StatusChange {
  if (issue.status === 'resolved') {
    const resolution = resolutionFromColumns({
      resolvedInRelease: issue.resolvedInRelease,
      resolvedInNextRelease: issue.resolvedInNextRelease ?? false,
      resolvedAfterRelease: issue.resolvedAfterRelease ?? null,
    });
    if (!isRegression(resolution, event.release, releaseOf)) return { ...issue, isRegression: false };
    return {
      status: 'unresolved',
      substatus: 'regressed',
      resolvedAt: null,
      resolvedInRelease: null,
      resolvedInNextRelease: false,
      resolvedAfterRelease: null,
      isRegression: true,
    };
  }
  return { ...issue, isRegression: false };
}

/** Folds nextStatusOnEvent over a batch's events for one issue, in timestamp order. */
export function nextStatusOnEvents(
  issue: IssueState,
  events: EventFacts[],
  now: Date,
  releaseOf?: ReleaseLookup,
): StatusChange {
  let state: StatusChange = { ...issue, isRegression: false };
  const ordered = [...events].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  for (const e of ordered) {
    const next = nextStatusOnEvent(state, e, now, releaseOf);
    state = { ...next, isRegression: state.isRegression || next.isRegression };
  }
  return state;
}

/** The state a brand-new issue starts in. */
export function initialIssueState(): IssueState {
  return { status: 'unresolved', substatus: 'new', resolvedAt: null, resolvedInRelease: null };
}
