// Pure alert-rule logic: does an event pass a rule's filters, which sliding-window counters the
// rule needs, and do its conditions hold given those counts? No I/O, no clock: `now` is passed
// in. evaluate.ts gathers the facts (Redis counters, deploys) and acts on the verdicts.

export type Level = 'debug' | 'info' | 'warning' | 'error' | 'fatal';
export const LEVELS: readonly Level[] = ['debug', 'info', 'warning', 'error', 'fatal'];

export type Condition =
  | { type: 'first_seen' }
  | { type: 'regression' }
  | { type: 'event_frequency'; count: number; minutes: number }
  | { type: 'user_frequency'; count: number; minutes: number }
  | { type: 'new_issue_after_deploy'; minutes: number }
  | { type: 'deploy_failing' }
  | { type: 'new_issue_after_flag_change'; minutes: number }
  | { type: 'flag_change_failing' };

export type Filter =
  | { type: 'environment'; value: string }
  | { type: 'level'; match: 'equals' | 'at_least'; value: Level }
  | { type: 'release'; value: string }
  | { type: 'tag'; key: string; match: 'equals' | 'contains'; value: string };

export type Action =
  | { type: 'email'; to: string[] }
  | { type: 'oncall' }
  /** The issue's owners (ownership rules); the on-call person when it has none. */
  | { type: 'owners' }
  | { type: 'webhook'; url: string; secret: string }
  | { type: 'slack'; url: string };

export interface AlertRule {
  id: string;
  projectId: string;
  name: string;
  /** Only events of this environment (null: any). */
  environment: string | null;
  conditionMatch: 'any' | 'all';
  conditions: Condition[];
  filters: Filter[];
  actions: Action[];
  /** Action interval: do not alert again for the same rule and issue within it. */
  frequencyMinutes: number;
  isEnabled: boolean;
}

/** What evaluation needs to know about one stored event. */
export interface AlertEvent {
  projectId: string;
  issueId: string;
  eventId: string;
  isNew: boolean;
  isRegression: boolean;
  level: string;
  environment: string | null;
  release: string | null;
  tags: ReadonlyArray<readonly [string, string]>;
  /** Stable identity of the affected user (id, email, username or IP), null when unknown. */
  userKey: string | null;
  /** Event time, ms since epoch. */
  timestamp: number;
}

export interface DeployFact {
  id: string;
  environment: string | null;
  release: string | null;
  /** When the deploy finished (or started, when it never reported finishing), ms since epoch. */
  at: number;
}

/** The organization's latest feature-flag change (flags/ audit log). */
export interface FlagChangeFact {
  id: string;
  flag: string;
  action: string;
  at: number; // ms since epoch
}

/** Counter readings aligned with rule.conditions (undefined where a condition needs none). */
export interface RuleFacts {
  counts: ReadonlyArray<number | undefined>;
  lastDeploy: DeployFact | null;
  lastFlagChange?: FlagChangeFact | null;
}

export interface CounterSpec {
  index: number;
  kind: 'events' | 'users';
  minutes: number;
}

export type Verdict = { fired: true; reasons: string[]; deployId: string | null } | { fired: false };

const DEPLOY_CONDITIONS = new Set<Condition['type']>(['deploy_failing']);

/** Rules that react to deploy health verdicts rather than to events. */
export function isDeployRule(rule: Pick<AlertRule, 'conditions'>): boolean {
  return rule.conditions.some((c) => DEPLOY_CONDITIONS.has(c.type));
}

/** Rules that react to flag-change verdicts rather than to events. */
export function isFlagChangeRule(rule: Pick<AlertRule, 'conditions'>): boolean {
  return rule.conditions.some((c) => c.type === 'flag_change_failing');
}

export function needsFlagChangeFact(rule: AlertRule): boolean {
  return rule.conditions.some((c) => c.type === 'new_issue_after_flag_change');
}

export function levelRank(level: string): number {
  return LEVELS.indexOf(level as Level);
}

export function matchesFilters(rule: AlertRule, ev: AlertEvent): boolean {
  if (rule.environment !== null && ev.environment !== rule.environment) return false;
  return rule.filters.every((f) => matchesFilter(f, ev));
}

export function matchesFilter(f: Filter, ev: AlertEvent): boolean {
  switch (f.type) {
    case 'environment':
      return ev.environment === f.value;
    case 'release':
      return ev.release === f.value;
    case 'level':
      return f.match === 'equals' ? ev.level === f.value : levelRank(ev.level) >= levelRank(f.value);
    case 'tag':
      return ev.tags.some(([k, v]) => k === f.key && (f.match === 'equals' ? v === f.value : v.includes(f.value)));
  }
}

/** The sliding-window counters a rule reads; every event passing its filters bumps them. */
export function counterSpecs(rule: AlertRule): CounterSpec[] {
  const specs: CounterSpec[] = [];
  rule.conditions.forEach((c, index) => {
    if (c.type === 'event_frequency') specs.push({ index, kind: 'events', minutes: c.minutes });
    if (c.type === 'user_frequency') specs.push({ index, kind: 'users', minutes: c.minutes });
  });
  return specs;
}

export function needsDeployFact(rule: AlertRule): boolean {
  return rule.conditions.some((c) => c.type === 'new_issue_after_deploy');
}

/** Whether the rule's conditions hold for the event, and why (for history and the message). */
export function evaluateConditions(rule: AlertRule, ev: AlertEvent, facts: RuleFacts, now: number): Verdict {
  if (!rule.isEnabled || rule.conditions.length === 0 || isDeployRule(rule) || isFlagChangeRule(rule))
    return { fired: false };
  const reasons: string[] = [];
  let deployId: string | null = null;
  const results = rule.conditions.map((c, i) => {
    const held =
      c.type === 'new_issue_after_flag_change'
        ? ev.isNew && isWithinFlagChangeWindow(facts.lastFlagChange ?? null, c.minutes, now)
        : conditionHolds(c, ev, facts.counts[i], facts.lastDeploy, now);
    if (held) {
      const change = facts.lastFlagChange;
      reasons.push(
        c.type === 'new_issue_after_flag_change' && change
          ? `a new issue appeared within ${c.minutes} minutes after flag ${change.flag} was ${change.action}`
          : describeCondition(c),
      );
      if (c.type === 'new_issue_after_deploy') deployId = facts.lastDeploy?.id ?? null;
    }
    return held;
  });
  const fired = rule.conditionMatch === 'all' ? results.every(Boolean) : results.some(Boolean);
  return fired ? { fired: true, reasons, deployId } : { fired: false };
}

function conditionHolds(
  c: Condition,
  ev: AlertEvent,
  count: number | undefined,
  deploy: DeployFact | null,
  now: number,
): boolean {
  switch (c.type) {
    case 'first_seen':
      return ev.isNew;
    case 'regression':
      return ev.isRegression;
    case 'event_frequency':
    case 'user_frequency':
      return count !== undefined && count > c.count;
    case 'new_issue_after_deploy':
      return ev.isNew && deploy !== null && isWithinDeployWindow(deploy, ev.environment, c.minutes, now);
    case 'deploy_failing':
    case 'flag_change_failing':
    case 'new_issue_after_flag_change': // evaluated by the caller (evaluateConditions)
      return false;
  }
}

export function isWithinFlagChangeWindow(change: FlagChangeFact | null, minutes: number, now: number): boolean {
  return change !== null && change.at <= now && now - change.at <= minutes * 60_000;
}

/** Flag-change rules fire when a change's verdict turns failing (the caller gates repeats per change). */
export function evaluateFlagChangeVerdict(rule: AlertRule, verdict: string): Verdict {
  if (!rule.isEnabled || verdict !== 'failing' || !isFlagChangeRule(rule)) return { fired: false };
  return { fired: true, reasons: ["a feature-flag change's verdict turned failing"], deployId: null };
}

export function isWithinDeployWindow(
  deploy: DeployFact,
  environment: string | null,
  minutes: number,
  now: number,
): boolean {
  if (deploy.environment !== null && environment !== null && deploy.environment !== environment) return false;
  return deploy.at <= now && now - deploy.at <= minutes * 60_000;
}

/** Deploy rules fire when a deploy's verdict turns failing (the caller gates repeats per deploy). */
export function evaluateDeployVerdict(rule: AlertRule, deploy: DeployFact, verdict: string): Verdict {
  if (!rule.isEnabled || verdict !== 'failing' || !isDeployRule(rule)) return { fired: false };
  if (rule.environment !== null && deploy.environment !== null && rule.environment !== deploy.environment)
    return { fired: false };
  return { fired: true, reasons: ["a deploy's health verdict turned failing"], deployId: deploy.id };
}

export function describeCondition(c: Condition): string {
  switch (c.type) {
    case 'first_seen':
      return 'a new issue was created';
    case 'regression':
      return 'the issue regressed';
    case 'event_frequency':
      return `the issue had more than ${c.count} events in ${c.minutes} minutes`;
    case 'user_frequency':
      return `the issue affected more than ${c.count} users in ${c.minutes} minutes`;
    case 'new_issue_after_deploy':
      return `a new issue appeared within ${c.minutes} minutes after a deploy`;
    case 'deploy_failing':
      return "a deploy's health verdict turned failing";
    case 'new_issue_after_flag_change':
      return `a new issue appeared within ${c.minutes} minutes after a feature-flag change`;
    case 'flag_change_failing':
      return "a feature-flag change's verdict turned failing";
  }
}
