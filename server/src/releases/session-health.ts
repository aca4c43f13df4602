// The session half of the deploy verdict (pure): the deployed release's sessions against a
// baseline — other releases' sessions over the same window when enough still run (canary), else
// the environment's sessions before the deploy — compared per bad outcome (crashed, unhandled,
// errored: exclusive statuses) with the same one-sided rate test the error rates use.
import { rateIncreasePValue, rateRatio } from './stats.js';

/** verdict.ts's Verdict and Reason, restated here so the two modules do not import each other. */
type Verdict = 'healthy' | 'suspect' | 'failing';
export interface SessionReason {
  code: 'sessions';
  severity: Verdict;
  message: string;
}

export interface SessionWindow {
  total: number;
  crashed: number;
  unhandled: number;
  errored: number;
  abnormal: number;
}

export interface SessionInputs {
  /** Every release's sessions that started in the before window. */
  before: SessionWindow;
  /** The deployed release's sessions that started after the deploy. */
  after: SessionWindow;
  /** Other releases' sessions that started after the deploy. */
  otherAfter: SessionWindow;
}

export type SessionOutcome = 'crashed' | 'unhandled' | 'errored';

export interface SessionComparison {
  status: SessionOutcome;
  baselineRate: number;
  releaseRate: number;
  ratio: number;
  pValue: number;
}

export interface SessionEvidence {
  basis: 'canary' | 'before-after';
  baseline: SessionWindow;
  release: SessionWindow;
  crashFree: { baseline: number | null; release: number | null };
  comparisons: SessionComparison[];
}

export const SESSION_LIMITS = {
  /** Fewer sessions on a side and that side is not compared (a handful of page loads says little). */
  minSessions: 20,
  /** Fewer bad sessions of the release and a rise is noise. */
  minBadSessions: 5,
  pValue: 0.01,
  suspectRatio: 1.5,
  failingRatio: 2,
  /** A rise must also be this large in absolute terms (share of sessions) to count at all / to fail. */
  suspectIncrease: 0.01,
  failingIncrease: 0.05,
} as const;

export function emptySessionWindow(): SessionWindow {
  return { total: 0, crashed: 0, unhandled: 0, errored: 0, abnormal: 0 };
}

/** Null when the release has too few sessions after the deploy or there is no baseline to compare with. */
export function compareSessions(s: SessionInputs | null): SessionEvidence | null {
  if (!s || s.after.total < SESSION_LIMITS.minSessions) return null;
  const canary = s.otherAfter.total >= SESSION_LIMITS.minSessions;
  const baseline = canary ? s.otherAfter : s.before;
  if (baseline.total < SESSION_LIMITS.minSessions) return null;
  const release = s.after;
  const comparisons = (['crashed', 'unhandled', 'errored'] as const).map((status) => ({
    status,
    baselineRate: baseline[status] / baseline.total,
    releaseRate: release[status] / release.total,
    // None on either side is no change (the smoothed ratio would read ×2 for 0 of 100 vs 0 of 200).
    ratio:
      release[status] === 0 && baseline[status] === 0
        ? 1
        : rateRatio(release[status], release.total, baseline[status], baseline.total),
    pValue: rateIncreasePValue(release[status], release.total, baseline[status], baseline.total),
  }));
  const crashFree = (w: SessionWindow) => (w.total > 0 ? 1 - w.crashed / w.total : null);
  return {
    basis: canary ? 'canary' : 'before-after',
    baseline,
    release,
    crashFree: { baseline: crashFree(baseline), release: crashFree(release) },
    comparisons,
  };
}

const WHAT: Record<SessionOutcome, string> = {
  crashed: 'crashed sessions',
  unhandled: 'sessions with unhandled errors',
  errored: 'sessions with handled errors',
};

/** One reason per significant rise, and always one stating what the sessions rest on. */
export function sessionReasons(e: SessionEvidence | null): SessionReason[] {
  if (!e) return [];
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(Math.round(x * 1000) / 10).toFixed(1)} %`);
  const sides =
    e.basis === 'canary'
      ? `${e.release.total} sessions of this release vs ${e.baseline.total} of other releases over the same window`
      : `${e.release.total} sessions of this release after the deploy vs ${e.baseline.total} before it`;
  const reasons: SessionReason[] = [];
  for (const c of e.comparisons) {
    const increase = c.releaseRate - c.baselineRate;
    const significant =
      e.release[c.status] >= SESSION_LIMITS.minBadSessions &&
      c.pValue < SESSION_LIMITS.pValue &&
      c.ratio >= SESSION_LIMITS.suspectRatio &&
      increase >= SESSION_LIMITS.suspectIncrease;
    if (!significant) continue;
    const severity: Verdict =
      c.ratio >= SESSION_LIMITS.failingRatio && increase >= SESSION_LIMITS.failingIncrease ? 'failing' : 'suspect';
    reasons.push({
      code: 'sessions',
      severity,
      message: `${WHAT[c.status]} rose from ${pct(c.baselineRate)} to ${pct(c.releaseRate)} (${sides})`,
    });
  }
  if (reasons.length === 0) {
    reasons.push({
      code: 'sessions',
      severity: 'healthy',
      message: `crash-free sessions ${pct(e.crashFree.baseline)} → ${pct(e.crashFree.release)}, no significant rise of crashed, unhandled or errored sessions (${sides})`,
    });
  }
  return reasons;
}
