// The notify stage: after a batch of events is committed, checks each event against its
// project's alert rules. Per batch: one MGET for rule versions, one Redis pipeline for the
// sliding windows of matching rules, one for action-interval gates; DB work only when one fires.
import type { AlertDeps } from './deps.js';
import { deployKey, findLatestDeploys } from './context-queries.js';
import { recordFirings, recordSuppressions, type Firing, type Suppression } from './fire.js';
import {
  counterSpecs,
  evaluateConditions,
  isDeployRule,
  isFlagChangeRule,
  matchesFilters,
  needsDeployFact,
  needsFlagChangeFact,
  type AlertEvent,
  type AlertRule,
  type DeployFact,
  type FlagChangeFact,
} from './rules.js';
import { findLatestChangesForProjects } from '../flags/log-queries.js';
import { bumpCounters, releaseGates, takeGates, type CounterRequest } from './windows.js';

interface Candidate {
  ev: AlertEvent;
  rule: AlertRule;
  counters: Array<{ index: number; at: number }>;
}

/**
 * Evaluates alert rules for committed events. Never throws: a failure here must not fail (and
 * re-run) the batch; it is logged at error so someone looks at why alerts were not evaluated.
 */
export async function evaluateAlerts(deps: AlertDeps, events: AlertEvent[], now = Date.now()): Promise<void> {
  if (events.length === 0) return;
  try {
    await evaluate(deps, events, now);
  } catch (err) {
    deps.log.error(
      { err, component: 'alerts.evaluate', events: events.length },
      'alert evaluation failed: this batch raised no alerts',
    );
  }
}

async function evaluate(deps: AlertDeps, events: AlertEvent[], now: number): Promise<void> {
  const prefix = deps.config.redis.prefix;
  const projectIds = [...new Set(events.map((e) => e.projectId))];
  const rules = await deps.alerts.rules.rulesFor(deps.pool, deps.redis, prefix, projectIds, now);
  const candidates: Candidate[] = [];
  const counterReqs: CounterRequest[] = [];
  for (const ev of events) {
    for (const rule of rules.get(ev.projectId) ?? []) {
      if (!rule.isEnabled || isDeployRule(rule) || isFlagChangeRule(rule) || !matchesFilters(rule, ev)) continue;
      const counters = counterSpecs(rule).map((spec) => {
        counterReqs.push({ ruleId: rule.id, issueId: ev.issueId, spec, userKey: ev.userKey });
        return { index: spec.index, at: counterReqs.length - 1 };
      });
      candidates.push({ ev, rule, counters });
    }
  }
  if (candidates.length === 0) return;
  const counts = await bumpCounters(deps.redis, prefix, counterReqs, now);
  const deploys = await loadDeploys(deps, candidates, now);
  const flagChanges = await loadFlagChanges(deps, candidates, now);

  const fired: Array<Firing & { intervalMs: number }> = [];
  for (const c of candidates) {
    const factCounts: Array<number | undefined> = c.rule.conditions.map(() => undefined);
    for (const k of c.counters) factCounts[k.index] = counts[k.at];
    const lastDeploy = deploys.get(deployKey(c.ev.projectId, c.ev.environment)) ?? null;
    const verdict = evaluateConditions(
      c.rule,
      c.ev,
      { counts: factCounts, lastDeploy, lastFlagChange: flagChanges.get(c.ev.projectId) ?? null },
      now,
    );
    if (!verdict.fired) continue;
    fired.push({
      rule: c.rule,
      reasons: verdict.reasons,
      projectId: c.ev.projectId,
      issueId: c.ev.issueId,
      eventId: c.ev.eventId,
      deploy: verdict.deployId && lastDeploy ? deployContent(lastDeploy) : null,
      environment: c.ev.environment,
      release: c.ev.release,
      intervalMs: c.rule.frequencyMinutes * 60_000,
    });
  }
  await gateAndRecord(deps, fired, now);
}

/** Takes the action-interval gates; records firings and first suppressions. */
export async function gateAndRecord(
  deps: AlertDeps,
  fired: Array<Firing & { intervalMs: number }>,
  now: number,
): Promise<void> {
  if (fired.length === 0) return;
  const prefix = deps.config.redis.prefix;
  const reqs = fired.map((f) => ({
    ruleId: f.rule.id,
    subject: f.issueId ?? `deploy-${f.deploy?.id ?? 'none'}`,
    intervalMs: f.intervalMs,
  }));
  const gates = await takeGates(deps.redis, prefix, reqs, now);
  const toFire: Firing[] = [];
  const suppressed: Suppression[] = [];
  fired.forEach((f, i) => {
    if (gates[i] === 'fire') toFire.push(f);
    else if (gates[i] === 'suppressed')
      suppressed.push({
        rule: f.rule,
        projectId: f.projectId,
        issueId: f.issueId,
        eventId: f.eventId,
        deployId: f.deploy?.id ?? null,
      });
  });
  try {
    await recordFirings(deps, toFire, now);
  } catch (err) {
    await releaseGates(
      deps.redis,
      prefix,
      reqs.filter((_r, i) => gates[i] === 'fire'),
    ).catch(() => {}); // expiry frees them anyway
    throw err;
  }
  if (suppressed.length > 0) await recordSuppressions(deps, suppressed);
}

async function loadDeploys(deps: AlertDeps, candidates: Candidate[], now: number): Promise<Map<string, DeployFact>> {
  const keys = new Map<string, { projectId: string; environment: string | null }>();
  for (const c of candidates) {
    if (c.ev.isNew && needsDeployFact(c.rule))
      keys.set(deployKey(c.ev.projectId, c.ev.environment), {
        projectId: c.ev.projectId,
        environment: c.ev.environment,
      });
  }
  if (keys.size === 0) return new Map();
  return findLatestDeploys(deps.pool, [...keys.values()], new Date(now));
}

async function loadFlagChanges(
  deps: AlertDeps,
  candidates: Candidate[],
  now: number,
): Promise<Map<string, FlagChangeFact>> {
  const projectIds = [
    ...new Set(candidates.filter((c) => c.ev.isNew && needsFlagChangeFact(c.rule)).map((c) => c.ev.projectId)),
  ];
  if (projectIds.length === 0) return new Map();
  const found = await findLatestChangesForProjects(deps.pool, projectIds, new Date(now));
  return new Map(
    [...found].map(([projectId, r]) => [
      projectId,
      { id: r.id, flag: r.flag, action: r.action, at: r.createdAt.getTime() },
    ]),
  );
}

function deployContent(d: DeployFact) {
  return { id: d.id, environment: d.environment, release: d.release, verdict: null, evidence: [] };
}
