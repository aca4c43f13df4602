// The deploy-health verdict, pure: from counts aggregated around a deploy (health.ts computes
// them from events) to healthy / suspect / failing plus the evidence that decided it.
// Every rule that fires adds a reason; the verdict is the worst reason's severity.
import { rateIncreasePValue, rateRatio } from './stats.js';
import { compareSessions, sessionReasons, type SessionEvidence, type SessionInputs } from './session-health.js';

export type Verdict = 'healthy' | 'suspect' | 'failing';

/** Events in a window and what they are measured against. */
export interface Window {
  events: number;
  minutes: number;
  /** Requests served in the window (SDK counter datagrams); null when no counter data exists. */
  requests: number | null;
  /** Sessions (all releases) that started in the window; null or 0 when the SDKs send none. */
  sessions?: number | null;
}

/** Hosts (server_name) grouped by the release they ran after the deploy. */
export interface HostGroup {
  hosts: string[];
  /** The same hosts' events before the deploy (whatever they ran then) and after it. */
  before: Window;
  after: Window;
}

export interface IssueEvidence {
  issueId: string;
  shortId: string | null;
  title: string;
  /** Events in the after window from this release / from any other release. */
  events: number;
  eventsOtherReleases: number;
  hosts: number;
  /** The deploy's commits that touched this issue's frames, most suspect first (commit-evidence.ts). */
  suspectCommits?: EvidenceCommit[];
}

/** A suspect commit as deploy health names it (fewer fields than the committers endpoint's). */
export interface EvidenceCommit {
  id: string;
  message: string | null;
  dateCreated: string | null;
  author: { name: string | null; email: string | null } | null;
}

export interface HealthInputs {
  minutesSinceDeploy: number;
  /** Environment-wide, all releases: the baseline before the deploy and the window after it. */
  before: Window;
  after: Window;
  /** Null when no host ran another release next to the new one in the after window. */
  canary: { newRelease: HostGroup; otherReleases: HostGroup } | null;
  /** Issues first seen in this release after the deploy. */
  newIssues: IssueEvidence[];
  /** Resolved issues that came back with events from this release after the deploy. */
  regressions: IssueEvidence[];
  /** Release-health sessions around the deploy; null when the SDKs send none. */
  sessions?: SessionInputs | null;
}

export interface Reason {
  code: 'new-issue' | 'regression' | 'error-rate' | 'canary' | 'spike-not-release' | 'sessions' | 'no-data';
  severity: Verdict;
  message: string;
  issueId?: string;
}

export interface RateComparison {
  /** Rates are per 1,000 requests when both windows have counter data, else per 1,000 sessions, else per minute. */
  basis: 'requests' | 'sessions' | 'minutes';
  eventsBefore: number;
  eventsAfter: number;
  before: number;
  after: number;
  ratio: number;
  pValue: number;
}

/** Hosts on the new release vs hosts on other releases over the same after window. */
export interface CanaryComparison {
  basis: 'requests' | 'baseline' | 'host-minutes';
  newReleaseEvents: number;
  otherReleasesEvents: number;
  /** The share of events the new-release hosts would have if both groups erred alike. */
  expectedShare: number;
  observedShare: number;
  /** (new-release rate) / (other-releases rate), each over its own exposure. */
  ratio: number;
  pValue: number;
}

export interface VerdictResult {
  verdict: Verdict;
  confidence: 'low' | 'normal';
  reasons: Reason[];
  errorRate: RateComparison | null;
  canary: CanaryComparison | null;
  /** The session evidence (how many sessions each side rests on, rates compared); null without sessions. */
  sessions: SessionEvidence | null;
}

/** Thresholds, with why. */
export const LIMITS = {
  /** A brand-new error this often in the window is a broken deploy, not a fluke. */
  newIssueFailingEvents: 10,
  /** Below this many events no rate comparison is trusted. */
  minRateEvents: 10,
  /** One-sided significance for "the rate really rose". */
  pValue: 0.01,
  failingRatio: 2,
  suspectRatio: 1.5,
  /** An issue also seen on other releases in the window was not introduced by this one. */
  otherReleaseShare: 0.1,
} as const;

const SEVERITY: Record<Verdict, number> = { healthy: 0, suspect: 1, failing: 2 };

export function decideVerdict(input: HealthInputs): VerdictResult {
  const reasons: Reason[] = [
    ...issueReasons(input.newIssues, 'new-issue'),
    ...issueReasons(input.regressions, 'regression'),
  ];
  const errorRate = compareWindows(input.after, input.before);
  const canary = input.canary ? compareCanary(input.canary) : null;
  reasons.push(...rateReasons(errorRate, canary));
  const sessions = compareSessions(input.sessions ?? null);
  reasons.push(...sessionReasons(sessions));
  if (input.after.events === 0 && input.before.events === 0 && !sessions) {
    reasons.push({ code: 'no-data', severity: 'healthy', message: 'no events before or after the deploy' });
  }
  const verdict = reasons.reduce<Verdict>((v, r) => (SEVERITY[r.severity] > SEVERITY[v] ? r.severity : v), 'healthy');
  const confidence =
    input.minutesSinceDeploy < 1 || input.after.events + input.before.events < LIMITS.minRateEvents ? 'low' : 'normal';
  return { verdict, confidence, reasons, errorRate, canary, sessions };
}

function issueReasons(issues: IssueEvidence[], code: 'new-issue' | 'regression'): Reason[] {
  const what = code === 'new-issue' ? 'new issue' : 'regression';
  return issues
    .filter(
      (i) => i.events > 0 && i.eventsOtherReleases <= LIMITS.otherReleaseShare * (i.events + i.eventsOtherReleases),
    )
    .map((i) => ({
      code,
      severity: i.events >= LIMITS.newIssueFailingEvents ? 'failing' : 'suspect',
      message: `${what} ${i.shortId ?? i.issueId} "${i.title}": ${i.events} events on ${i.hosts} host(s) of this release`,
      issueId: i.issueId,
    }));
}

/** After vs before: per 1,000 requests when both windows have counts, else per 1,000 sessions, else per minute. */
export function compareWindows(after: Window, before: Window): RateComparison | null {
  const positive = (x: number | null | undefined): x is number => typeof x === 'number' && x > 0;
  const basis: RateComparison['basis'] =
    positive(after.requests) && positive(before.requests)
      ? 'requests'
      : positive(after.sessions) && positive(before.sessions)
        ? 'sessions'
        : 'minutes';
  const ea = basis === 'requests' ? after.requests! : basis === 'sessions' ? after.sessions! : after.minutes;
  const eb = basis === 'requests' ? before.requests! : basis === 'sessions' ? before.sessions! : before.minutes;
  if (ea <= 0 || eb <= 0) return null;
  const unit = basis === 'minutes' ? 1 : 1000;
  return {
    basis,
    eventsBefore: before.events,
    eventsAfter: after.events,
    before: (before.events / eb) * unit,
    after: (after.events / ea) * unit,
    ratio: rateRatio(after.events, ea, before.events, eb),
    pValue: rateIncreasePValue(after.events, ea, before.events, eb),
  };
}

/**
 * Canary: did the hosts on the new release get worse than the hosts still on the old one over
 * the same window? Each group is weighted by its own exposure — requests when counted, else its
 * baseline events before the deploy (hosts differ in traffic), else its host count — so a
 * spike that hits every host keeps the new hosts' share of events where it was.
 */
export function compareCanary(c: { newRelease: HostGroup; otherReleases: HostGroup }): CanaryComparison | null {
  const [basis, en, eo] = exposures(c.newRelease, c.otherReleases);
  if (en <= 0 || eo <= 0) return null;
  const a = c.newRelease.after.events;
  const b = c.otherReleases.after.events;
  return {
    basis,
    newReleaseEvents: a,
    otherReleasesEvents: b,
    expectedShare: en / (en + eo),
    observedShare: a + b > 0 ? a / (a + b) : 0,
    ratio: rateRatio(a, en, b, eo),
    pValue: rateIncreasePValue(a, en, b, eo),
  };
}

const MIN_BASELINE_EVENTS = 5; // fewer baseline events per group weigh hosts by count instead

/** Requests in the window when both groups have them, else baseline events, else host counts. */
function exposures(n: HostGroup, o: HostGroup): [CanaryComparison['basis'], number, number] {
  if (n.after.requests && o.after.requests) return ['requests', n.after.requests, o.after.requests];
  if (n.before.events >= MIN_BASELINE_EVENTS && o.before.events >= MIN_BASELINE_EVENTS) {
    return ['baseline', n.before.events, o.before.events];
  }
  return ['host-minutes', n.hosts.length * n.after.minutes, o.hosts.length * o.after.minutes];
}

function rateReasons(rate: RateComparison | null, canary: CanaryComparison | null): Reason[] {
  const significant = (r: { pValue: number; ratio: number }, events: number) =>
    events >= LIMITS.minRateEvents && r.pValue < LIMITS.pValue && r.ratio >= LIMITS.suspectRatio;
  const rose = (r: RateComparison | null): r is RateComparison => r !== null && significant(r, r.eventsAfter);
  const fmt = (x: number) => (Math.round(x * 100) / 100).toString();
  if (canary && significant(canary, canary.newReleaseEvents)) {
    const severity: Verdict = canary.ratio >= LIMITS.failingRatio ? 'failing' : 'suspect';
    return [
      {
        code: 'canary',
        severity,
        message: `hosts on this release have ${fmt(canary.ratio)}× the error rate of hosts still on other releases over the same window`,
      },
    ];
  }
  if (!rose(rate)) return [];
  if (canary) {
    return [
      {
        code: 'spike-not-release',
        severity: 'healthy',
        message: `error rate rose ${fmt(rate.ratio)}× on hosts of every release alike: not this release`,
      },
    ];
  }
  // Without hosts left on the old release, only request or session counts tell a bad deploy from traffic.
  const corroborated = rate.basis !== 'minutes';
  const severity: Verdict = corroborated && rate.ratio >= LIMITS.failingRatio ? 'failing' : 'suspect';
  const per =
    rate.basis === 'requests' ? 'per 1,000 requests' : rate.basis === 'sessions' ? 'per 1,000 sessions' : 'per minute';
  const caveat = corroborated
    ? ''
    : ' (no hosts left on other releases, no request counts and no sessions: could be traffic)';
  return [
    { code: 'error-rate', severity, message: `error rate ${per} rose ${fmt(rate.ratio)}× after the deploy${caveat}` },
  ];
}
