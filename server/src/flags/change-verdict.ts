// The flag-change verdict, pure, on the deploy verdict's model (releases/verdict.ts): errors and
// new issues before and after a flag change, split by the flag's result where events carry it.
//
// Each side (result) of the flag is compared after vs before with the deploy verdict's test
// (per-minute rates, one-sided exact Poisson-conditional test, the same LIMITS). A side whose
// rate rose significantly while another side stayed where it was is the flag's doing: failing
// at ≥ 2×, suspect at ≥ 1.5×. When every side rose alike it is a spike, not the flag. When the
// other side fell significantly, traffic may simply have moved between sides (a rollout), so
// the rise is only suspect. New issues after the change whose events (≥ 90 %) carry one result
// of the flag count as the deploy verdict's new issues do.
import { compareWindows, LIMITS, type RateComparison, type Verdict } from '../releases/verdict.js';
import { rateIncreasePValue } from '../releases/stats.js';

export interface ChangeInputs {
  flag: string;
  minutesSinceChange: number;
  beforeMinutes: number;
  afterMinutes: number;
  overall: { before: number; after: number; newIssuesBefore: number; newIssuesAfter: number };
  byResult: Array<{ result: string; before: number; after: number }>;
  newIssues: Array<{
    issueId: string;
    shortId: string;
    title: string;
    events: number;
    results: Record<string, number>;
  }>;
}

export interface ChangeReason {
  code: 'flag-side' | 'spike-all-sides' | 'new-issue' | 'error-rate' | 'no-data';
  severity: Verdict;
  message: string;
  issueId?: string;
}

export interface SideComparison extends RateComparison {
  result: string;
}

export interface ChangeVerdict {
  verdict: Verdict;
  confidence: 'low' | 'normal';
  reasons: ChangeReason[];
  overall: RateComparison | null;
  sides: SideComparison[];
}

const DOMINANT_SHARE = 0.9;
const SEVERITY: Record<Verdict, number> = { healthy: 0, suspect: 1, failing: 2 };

export function decideChangeVerdict(i: ChangeInputs): ChangeVerdict {
  const win = (events: number, minutes: number) => ({ events, minutes, requests: null });
  const overall = compareWindows(win(i.overall.after, i.afterMinutes), win(i.overall.before, i.beforeMinutes));
  const sides = i.byResult
    .map((s) => ({
      result: s.result,
      cmp: compareWindows(win(s.after, i.afterMinutes), win(s.before, i.beforeMinutes)),
    }))
    .flatMap((s) => (s.cmp ? [{ ...s.cmp, result: s.result }] : []))
    .sort((a, b) => (a.result < b.result ? -1 : 1));
  const reasons = [...sideReasons(i, sides, overall), ...newIssueReasons(i)];
  if (i.overall.before === 0 && i.overall.after === 0)
    reasons.push({ code: 'no-data', severity: 'healthy', message: 'no events before or after the change' });
  const verdict = reasons.reduce<Verdict>((v, r) => (SEVERITY[r.severity] > SEVERITY[v] ? r.severity : v), 'healthy');
  const confidence =
    i.minutesSinceChange < 1 || i.overall.before + i.overall.after < LIMITS.minRateEvents ? 'low' : 'normal';
  return { verdict, confidence, reasons, overall, sides };
}

function rose(r: RateComparison): boolean {
  return r.eventsAfter >= LIMITS.minRateEvents && r.pValue < LIMITS.pValue && r.ratio >= LIMITS.suspectRatio;
}

/** The mirror test: did the side's rate fall significantly? */
function fell(r: RateComparison, i: ChangeInputs): boolean {
  return (
    r.eventsBefore >= LIMITS.minRateEvents &&
    rateIncreasePValue(r.eventsBefore, i.beforeMinutes, r.eventsAfter, i.afterMinutes) < LIMITS.pValue
  );
}

function sideReasons(i: ChangeInputs, sides: SideComparison[], overall: RateComparison | null): ChangeReason[] {
  const risen = sides.filter(rose);
  if (sides.length === 0) {
    if (overall && rose(overall)) {
      return [
        {
          code: 'error-rate',
          severity: 'suspect',
          message: `error rate rose ${fmt(overall.ratio)}× after the change (no event carries ${i.flag}: could be anything)`,
        },
      ];
    }
    return [];
  }
  if (risen.length === 0) return [];
  const summary = sides
    .map((s) => `with ${s.result}: ${rose(s) ? rise(s) : fell(s, i) ? `fell to ×${fmt(s.ratio)}` : 'unchanged'}`)
    .join('; ');
  const others = sides.filter((s) => !rose(s));
  if (others.length === 0 && sides.length > 1) {
    return [
      {
        code: 'spike-all-sides',
        severity: 'healthy',
        message: `errors rose on every side of ${i.flag} alike (${summary}): not this flag`,
      },
    ];
  }
  const shifted = others.some((s) => fell(s, i));
  return risen.map((s) => {
    const strong = s.ratio >= LIMITS.failingRatio && others.length > 0 && !shifted;
    const caveat =
      others.length === 0
        ? ' (no events with another result to compare with)'
        : shifted
          ? ' (the other side fell: traffic may have moved between sides)'
          : '';
    return {
      code: 'flag-side',
      severity: strong ? 'failing' : 'suspect',
      message: `errors with ${i.flag}=${s.result}: ${rise(s, ' after the change')}; ${summary}${caveat}`,
    } as ChangeReason;
  });
}

function newIssueReasons(i: ChangeInputs): ChangeReason[] {
  return i.newIssues.flatMap((n) => {
    const total = Object.values(n.results).reduce((a, b) => a + b, 0);
    const top = Object.entries(n.results).sort((a, b) => b[1] - a[1])[0];
    if (!top || total === 0 || top[1] < DOMINANT_SHARE * total) return [];
    const severity: Verdict = n.events >= LIMITS.newIssueFailingEvents ? 'failing' : 'suspect';
    return [
      {
        code: 'new-issue',
        severity,
        issueId: n.issueId,
        message: `new issue ${n.shortId} "${n.title}": ${n.events} events, ${Math.round((100 * top[1]) / total)} % with ${i.flag}=${top[0]}`,
      },
    ];
  });
}

/** The rise as a factor; from nothing, the smoothed ratio only reflects how short the window is. */
function rise(s: SideComparison, when = ''): string {
  return s.eventsBefore === 0 ? `${s.eventsAfter}${when}, none before` : `×${fmt(s.ratio)}${when}`;
}

function fmt(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}
