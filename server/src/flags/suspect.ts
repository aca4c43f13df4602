// Suspect flags, pure: which flags' results among an issue's events differ from the rest of the
// project's events over the same window (the issue's first to last event)?
//
// The statistic, per flag: score = total variation distance between the issue's distribution
// of results and the baseline's (for a boolean flag, |share of true in the issue − share of
// true in the baseline|, 0..1). The baseline is the project's events minus the issue's own, so
// a frequent issue does not drag the baseline towards itself. A flag is suspect when both sides
// have at least MIN_EVENTS evaluations, the result that moved most passes a two-proportion
// z-test at P_VALUE (Bonferroni over the flag's results), and the score is at least MIN_SCORE.
import { normalUpperTail } from '../releases/stats.js';
import type { FlagResultCount } from './queries.js';

export const SUSPECT_LIMITS = {
  /** Below this many evaluations on either side no comparison is trusted (as the deploy verdict's minimum). */
  minEvents: 10,
  pValue: 0.01,
  /** A difference of less than 20 points of share is not worth a human's attention. */
  minScore: 0.2,
} as const;

export interface FlagRow {
  flag: string;
  /** The issue's evaluations per result, and the project's (all its events, the issue's included). */
  issue: Record<string, number>;
  project: Record<string, number>;
  issueEvents: number;
  projectEvents: number;
  /** Share of `true` among the issue's / the project's evaluations of the flag (null: never true/false). */
  issueTrueShare: number | null;
  projectTrueShare: number | null;
}

export interface SuspectScore {
  flag: string;
  score: number;
  /** Share of `true` in the baseline (the project's other events), 0..1, as Sentry's field. */
  baseline_percent: number;
  distribution: { baseline: Record<string, number>; outliers: Record<string, number> };
  /** Sentry's field: true when the flag is shown but not suspected (sample too small or difference not significant). */
  is_filtered: boolean;
  isSuspect: boolean;
  pValue: number;
  issueEvents: number;
  baselineEvents: number;
}

/** Joins the issue's and the project's counts into one row per flag (the issue page's table). */
export function flagRows(issue: FlagResultCount[], project: FlagResultCount[]): FlagRow[] {
  const rows = new Map<string, FlagRow>();
  const row = (flag: string) => {
    let r = rows.get(flag);
    if (!r)
      rows.set(
        flag,
        (r = {
          flag,
          issue: {},
          project: {},
          issueEvents: 0,
          projectEvents: 0,
          issueTrueShare: null,
          projectTrueShare: null,
        }),
      );
    return r;
  };
  for (const c of issue) {
    const r = row(c.flag);
    r.issue[c.result] = (r.issue[c.result] ?? 0) + c.count;
    r.issueEvents += c.count;
  }
  for (const c of project) {
    if (!rows.has(c.flag)) continue;
    const r = row(c.flag);
    r.project[c.result] = (r.project[c.result] ?? 0) + c.count;
    r.projectEvents += c.count;
  }
  for (const r of rows.values()) {
    // The hourly baseline can start before the issue's first event; never report fewer than the issue has.
    for (const [k, v] of Object.entries(r.issue)) if ((r.project[k] ?? 0) < v) r.project[k] = v;
    r.projectEvents = sum(r.project);
    r.issueTrueShare = trueShare(r.issue);
    r.projectTrueShare = trueShare(r.project);
  }
  return [...rows.values()].sort((a, b) => b.issueEvents - a.issueEvents || (a.flag < b.flag ? -1 : 1));
}

/** Scores every flag of the issue; suspects first, then by score. */
export function scoreSuspectFlags(rows: FlagRow[]): SuspectScore[] {
  return rows
    .map(scoreFlag)
    .sort((a, b) => Number(b.isSuspect) - Number(a.isSuspect) || b.score - a.score || (a.flag < b.flag ? -1 : 1));
}

function scoreFlag(r: FlagRow): SuspectScore {
  const baseline: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.project)) baseline[k] = Math.max(0, v - (r.issue[k] ?? 0));
  const n1 = r.issueEvents;
  const n2 = sum(baseline);
  const keys = [...new Set([...Object.keys(r.issue), ...Object.keys(baseline)])];
  const p1 = (k: string) => (n1 > 0 ? (r.issue[k] ?? 0) / n1 : 0);
  const p2 = (k: string) => (n2 > 0 ? (baseline[k] ?? 0) / n2 : 0);
  const score = n1 > 0 && n2 > 0 ? keys.reduce((s, k) => s + Math.abs(p1(k) - p2(k)), 0) / 2 : 0;
  let pValue = 1;
  if (n1 > 0 && n2 > 0) {
    const moved = keys.reduce(
      (best, k) => (Math.abs(p1(k) - p2(k)) > Math.abs(p1(best) - p2(best)) ? k : best),
      keys[0]!,
    );
    pValue = Math.min(
      1,
      twoProportionPValue(r.issue[moved] ?? 0, n1, baseline[moved] ?? 0, n2) * Math.max(1, keys.length - 1),
    );
  }
  const enough = n1 >= SUSPECT_LIMITS.minEvents && n2 >= SUSPECT_LIMITS.minEvents;
  const isSuspect = enough && pValue < SUSPECT_LIMITS.pValue && score >= SUSPECT_LIMITS.minScore;
  return {
    flag: r.flag,
    score: round(score),
    baseline_percent: round(n2 > 0 ? (baseline.true ?? 0) / n2 : 0),
    distribution: { baseline: shares(baseline, n2), outliers: shares(r.issue, n1) },
    is_filtered: !isSuspect,
    isSuspect,
    pValue,
    issueEvents: n1,
    baselineEvents: n2,
  };
}

/** Two-sided p-value of a pooled two-proportion z-test (x1 of n1 vs x2 of n2). */
export function twoProportionPValue(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 1;
  const p = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  if (se === 0) return 1; // both sides all alike: no difference to test
  const z = Math.abs(x1 / n1 - x2 / n2) / se;
  return Math.min(1, 2 * normalUpperTail(z));
}

function trueShare(counts: Record<string, number>): number | null {
  const t = counts.true ?? 0;
  const f = counts.false ?? 0;
  return t + f > 0 ? t / (t + f) : null;
}

function shares(counts: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => [k, round(n > 0 ? v / n : 0)]),
  );
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((s, v) => s + v, 0);
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
