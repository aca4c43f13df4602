// Deploy-health alerts: when a deploy's verdict turns `failing`, rules with the deploy_failing
// condition fire once per deploy. The health code (or the lead) may call onDeployVerdict; the
// periodic evaluator below judges young deploys itself, so no call is required.
import type { AlertDeps } from './deps.js';
import { computeDeployHealth, OBSERVATION_MINUTES } from '../releases/health.js';
import { listObservedDeploys } from './context-queries.js';
import { gateAndRecord } from './evaluate.js';
import { evaluateDeployVerdict } from './rules.js';

const ONCE_PER_DEPLOY_MS = 30 * 24 * 3600_000; // a deploy's verdict does not matter after a month

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
export async function onDeployVerdict(
  deps: AlertDeps,
  deploy: DeployRef,
  verdict: DeployVerdictRef,
  now = Date.now(),
): Promise<void> {
  if (verdict.verdict !== 'failing' || deploy.projectIds.length === 0) return;
  try {
    const rules = await deps.alerts.rules.rulesFor(
      deps.pool,
      deps.redis,
      deps.config.redis.prefix,
      deploy.projectIds,
      now,
    );
    const fact = { id: deploy.id, environment: deploy.environment, release: deploy.release, at: now };
    const evidence = (verdict.reasons ?? [])
      .filter((r) => r.severity === undefined || r.severity !== 'healthy')
      .map((r) => r.message)
      .slice(0, 10);
    const fired = deploy.projectIds.flatMap((projectId) =>
      (rules.get(projectId) ?? []).flatMap((rule) => {
        const v = evaluateDeployVerdict(rule, fact, verdict.verdict);
        if (!v.fired) return [];
        return [
          {
            rule,
            reasons: v.reasons,
            projectId,
            issueId: null,
            eventId: null,
            environment: deploy.environment,
            release: deploy.release,
            deploy: {
              id: deploy.id,
              environment: deploy.environment,
              release: deploy.release,
              verdict: verdict.verdict,
              evidence,
            },
            intervalMs: ONCE_PER_DEPLOY_MS,
          },
        ];
      }),
    );
    await gateAndRecord(deps, fired, now);
  } catch (err) {
    deps.log.error({ err, component: 'alerts.deploy', deployId: deploy.id }, 'deploy verdict alert evaluation failed');
  }
}

/**
 * The periodic evaluator (once a minute, the schedule's `deploy-verdicts`): judges every deploy still
 * in its observation window, so a failing deploy alerts even when nobody opens its health page.
 */
export async function evaluateObservedDeploys(deps: AlertDeps, now = Date.now()): Promise<void> {
  const deploys = await listObservedDeploys(
    deps.pool,
    new Date(now - (OBSERVATION_MINUTES + 5) * 60_000),
    new Date(now),
  );
  for (const d of deploys) {
    try {
      const report = await computeDeployHealth(deps.pool, d, new Date(now), { withRollback: false });
      await onDeployVerdict(
        deps,
        { id: d.id, projectIds: d.projectIds, environment: d.environment, release: d.version },
        report,
        now,
      );
    } catch (err) {
      deps.log.warn(
        { err, component: 'alerts.deploy', deployId: d.id },
        'deploy health evaluation failed; retrying next minute',
      );
    }
  }
}
