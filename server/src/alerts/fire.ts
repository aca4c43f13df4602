// Recording a firing: snapshot the context (issue, counts, event, deploy), resolve the targets
// (addresses, the on-call person at this moment, webhooks), write the history row and the
// deliveries in one transaction, then enqueue the send-alert jobs.
import type { AlertDeps } from './deps.js';
import { withTransaction } from '../db/tx.js';
import { findOnCall } from '../oncall/resolve.js';
import { loadOwnerContext, type OwnerContext } from '../ownership/alert-context.js';
import { enqueueDeliveries } from './alert-queue.js';
import { eventContent, issueUrl, type AlertContent, type DeployContent } from './content.js';
import { findEventPayloads, findIssueContexts, findProjectContexts } from './context-queries.js';
import { insertDeliveries, insertHistory, type NewDeliveryRow, type NewHistoryRow } from './queries.js';
import type { AlertRule } from './rules.js';

export interface Firing {
  rule: AlertRule;
  reasons: string[];
  projectId: string;
  issueId: string | null;
  eventId: string | null;
  deploy: DeployContent | null;
  /** Used when the event row is not readable (yet): what the evaluator knew. */
  environment: string | null;
  release: string | null;
}

export interface Suppression {
  rule: AlertRule;
  projectId: string;
  issueId: string | null;
  eventId: string | null;
  deployId: string | null;
}

type Target = Pick<NewDeliveryRow, 'channel' | 'target' | 'digestKey' | 'secret'>;

export async function recordFirings(deps: AlertDeps, firings: Firing[], now: number): Promise<void> {
  if (firings.length === 0) return;
  const contents = await loadContents(deps, firings, now);
  const oncall = await resolveOncall(deps, firings, now);
  const ownerContexts = await loadOwnerContexts(deps, firings);
  ownerContexts.forEach((c, i) => {
    if (c.suspects.length > 0) contents[i]!.suspects = c.suspects;
  });
  const skipped: NewHistoryRow[] = [];
  const pending = await withTransaction(deps.pool, async (tx) => {
    const firedIds = await insertHistory(
      tx,
      firings.map((f) => historyRow(f, 'fired', 'fired', f.reasons.join('; '))),
    );
    const deliveries: NewDeliveryRow[] = [];
    firings.forEach((f, i) => {
      const { targets, problems } = targetsOf(f.rule, oncall.get(f.projectId) ?? null, ownerContexts[i]!);
      for (const t of targets)
        deliveries.push({ ...t, projectId: f.projectId, firedId: firedIds[i]!, alert: contents[i] });
      for (const p of problems)
        skipped.push({ ...historyRow(f, 'delivery', 'skipped', p), channel: 'email', target: '(on-call)' });
    });
    const ids = await insertDeliveries(tx, deliveries);
    await insertHistory(tx, skipped);
    return deliveries.map((d, i) => ({ id: ids[i]!, channel: d.channel, digestKey: d.digestKey }));
  });
  await enqueueDeliveries(
    { queue: deps.alerts.queue, redis: deps.redis, prefix: deps.config.redis.prefix, cfg: deps.config.alerts },
    pending,
    now,
  );
}

export async function recordSuppressions(deps: AlertDeps, list: Suppression[]): Promise<void> {
  await insertHistory(
    deps.pool,
    list.map((s) => ({
      ...historyRow(
        s,
        'suppressed',
        'suppressed',
        `conditions held, but this rule already alerted for this ${s.issueId ? 'issue' : 'deploy'} within its action interval of ${s.rule.frequencyMinutes} minutes`,
      ),
      deployId: s.deployId,
    })),
  );
}

function historyRow(
  f: Pick<Firing, 'rule' | 'projectId' | 'issueId' | 'eventId'> & { deploy?: DeployContent | null },
  kind: NewHistoryRow['kind'],
  status: NewHistoryRow['status'],
  message: string,
): NewHistoryRow {
  return {
    projectId: f.projectId,
    ruleId: f.rule.id,
    ruleName: f.rule.name,
    issueId: f.issueId,
    eventId: f.eventId,
    deployId: f.deploy?.id ?? null,
    deliveryId: null,
    kind,
    status,
    channel: null,
    target: null,
    attempt: null,
    message,
  };
}

/** Deduplicated targets of a rule's actions; emails share a digest per address. */
function targetsOf(
  rule: AlertRule,
  oncallEmail: string | null,
  owners: Pick<OwnerContext, 'ownerEmails' | 'fallthrough'>,
): { targets: Target[]; problems: string[] } {
  const targets: Target[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const email = (address: string) => {
    const key = address.trim().toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    targets.push({ channel: 'email', target: address.trim(), digestKey: key, secret: null });
  };
  for (const a of rule.actions) {
    if (a.type === 'email') a.to.forEach(email);
    else if (a.type === 'oncall') {
      if (oncallEmail) email(oncallEmail);
      else
        problems.push(
          'nobody is on call for this project right now (no schedule, no members or an empty override gap): no on-call email sent',
        );
    } else if (a.type === 'owners') {
      if (owners.ownerEmails && owners.ownerEmails.length > 0) owners.ownerEmails.forEach(email);
      else if (!owners.fallthrough)
        problems.push("the issue has no owners and the project's ownership fallthrough is off: no owners email sent");
      else if (oncallEmail)
        email(oncallEmail); // no owner: the person on call now, as for the oncall action
      else
        problems.push('the issue has no owners and nobody is on call for this project right now: no owners email sent');
    } else if (a.type === 'webhook')
      targets.push({ channel: 'webhook', target: a.url, digestKey: null, secret: a.secret });
    else targets.push({ channel: 'slack', target: a.url, digestKey: null, secret: null });
  }
  return { targets, problems };
}

async function resolveOncall(deps: AlertDeps, firings: Firing[], now: number): Promise<Map<string, string | null>> {
  const projects = [
    ...new Set(
      firings
        .filter((f) => f.rule.actions.some((a) => a.type === 'oncall' || a.type === 'owners'))
        .map((f) => f.projectId),
    ),
  ];
  const out = new Map<string, string | null>();
  for (const id of projects) {
    const who = await findOnCall(deps.pool, id, now);
    out.set(id, who.current?.user?.email ?? null);
  }
  return out;
}

/** Owners and suspect commits per firing; a failure degrades to none (owners fall back to on-call). */
async function loadOwnerContexts(deps: AlertDeps, firings: Firing[]): Promise<OwnerContext[]> {
  return Promise.all(
    firings.map(async (f) => {
      try {
        return await loadOwnerContext(deps.pool, { ...f, withOwners: f.rule.actions.some((a) => a.type === 'owners') });
      } catch (err) {
        deps.log.warn(
          { err, issueId: f.issueId, component: 'alerts.fire' },
          'owners and suspect commits not resolved for an alert',
        );
        return { ownerEmails: null, fallthrough: true, suspects: [] };
      }
    }),
  );
}

async function loadContents(deps: AlertDeps, firings: Firing[], now: number): Promise<AlertContent[]> {
  const projects = await findProjectContexts(deps.pool, [...new Set(firings.map((f) => f.projectId))]);
  const issues = await findIssueContexts(deps.pool, [
    ...new Set(firings.flatMap((f) => (f.issueId ? [f.issueId] : []))),
  ]);
  const payloads = await findEventPayloads(
    deps.pool,
    firings.flatMap((f) => (f.eventId ? [{ projectId: f.projectId, eventId: f.eventId }] : [])),
  );
  const byEvent = new Map(payloads.map((p) => [`${p.projectId}:${p.eventId}`, p]));
  const baseUrl = deps.config.http.baseUrl;
  return firings.map((f) => {
    const project = projects.get(f.projectId);
    const issue = f.issueId ? issues.get(f.issueId) : undefined;
    const stored = f.eventId ? byEvent.get(`${f.projectId}:${f.eventId}`) : undefined;
    const fallback = { environment: stored?.environment ?? f.environment, release: stored?.release ?? f.release };
    return {
      ruleId: f.rule.id,
      ruleName: f.rule.name,
      reasons: f.reasons,
      firedAt: new Date(now).toISOString(),
      project: { id: f.projectId, slug: project?.slug ?? f.projectId, name: project?.name ?? '' },
      organization: { slug: project?.organizationSlug ?? '' },
      issue: issue
        ? {
            id: issue.id,
            shortId: issue.shortId,
            title: issue.title,
            culprit: issue.culprit,
            level: issue.level,
            status: issue.status,
            count: issue.count,
            userCount: issue.userCount,
            firstSeen: issue.firstSeen.toISOString(),
            lastSeen: issue.lastSeen.toISOString(),
            url: issueUrl(baseUrl, project?.organizationSlug ?? '', issue.id),
          }
        : null,
      event: f.eventId ? eventContent(f.eventId, stored?.payload ?? null, fallback) : null,
      deploy: f.deploy,
    };
  });
}
