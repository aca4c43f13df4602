// Deploy-health alerts: when a deploy's verdict turns `failing`, rules with the deploy_failing
// condition fire once per deploy. The health code (or the lead) calls onDeployVerdict; the
// periodic scan below catches verdicts persisted on the deploys table without a call.
import type { AlertDeps } from './deps.js';
import { findFailingDeploys } from './context-queries.js';
import { gateAndRecord, ruleCacheOf } from './evaluate.js';
import { evaluateDeployVerdict } from './rules.js';

const ONCE_PER_DEPLOY_MS = 30 * 24 * 3600_000; // a deploy's verdict does not matter after a month
const SCAN_LOOKBACK_MS = 6 * 3600_000;

export interface DeployRef {
  id: string;
  projectIds: string[];
  environment: string | null;
  release: string | null;
}

export interface DeployVerdictRef {
  verdict: string;
  reasons?: ReadonlyArray<{ message: string; severity?: string }>;
}

/** Never throws into the caller (a health check or an API request); failures are logged. */
export async function onDeployVerdict(deps: AlertDeps, deploy: DeployRef, verdict: DeployVerdictRef, now = Date.now()): Promise<void> {
  if (verdict.verdict !== 'failing' || deploy.projectIds.length === 0) return;
  try {
    const rules = await ruleCacheOf(deps).rulesFor(deps.pool, deps.redis, deps.config.redis.prefix, deploy.projectIds, now);
    const fact = { id: deploy.id, environment: deploy.environment, release: deploy.release, at: now };
    const evidence = (verdict.reasons ?? []).filter((r) => r.severity === undefined || r.severity !== 'healthy').map((r) => r.message).slice(0, 10);
    const fired = deploy.projectIds.flatMap((projectId) => (rules.get(projectId) ?? []).flatMap((rule) => {
      const v = evaluateDeployVerdict(rule, fact, verdict.verdict);
      if (!v.fired) return [];
      return [{
        rule, reasons: v.reasons, projectId, issueId: null, eventId: null, environment: deploy.environment, release: deploy.release,
        deploy: { id: deploy.id, environment: deploy.environment, release: deploy.release, verdict: verdict.verdict, evidence },
        intervalMs: ONCE_PER_DEPLOY_MS,
      }];
    }));
    await gateAndRecord(deps, fired, now);
  } catch (err) {
    deps.log.error({ err, component: 'alerts.deploy', deployId: deploy.id }, 'deploy verdict alert evaluation failed');
  }
}

/** Fires for failing verdicts recorded on deploys recently (the gate keeps it once per deploy). */
export async function scanFailingDeploys(deps: AlertDeps, now = Date.now()): Promise<void> {
  const deploys = await findFailingDeploys(deps.pool, new Date(now - SCAN_LOOKBACK_MS));
  for (const d of deploys) await onDeployVerdict(deps, d, { verdict: 'failing' }, now);
}
