// Flag-change alerts: when a feature-flag change's verdict (flags/change-health.ts) turns
// `failing`, rules with the flag_change_failing condition fire once per change. Like deploy
// verdicts, the periodic evaluator (once a minute, the schedule's `flag-change-verdicts`) judges every
// change still in its observation window, so nobody has to open a page for the alert to go out.
import type { AlertDeps } from './deps.js';
import { computeChangeHealth } from '../flags/change-health.js';
import { listObservedChanges } from '../flags/log-queries.js';
import { listProjects } from '../projects/queries.js';
import { OBSERVATION_MINUTES } from '../releases/health.js';
import { gateAndRecord } from './evaluate.js';
import { evaluateFlagChangeVerdict } from './rules.js';

const ONCE_PER_CHANGE_MS = 30 * 24 * 3600_000;
const MAX_CHANGES_PER_RUN = 200; // a minute's budget; the rest are judged next minute

export async function evaluateObservedFlagChanges(deps: AlertDeps, now = Date.now()): Promise<void> {
  const changes = await listObservedChanges(
    deps.pool,
    new Date(now - (OBSERVATION_MINUTES + 5) * 60_000),
    new Date(now),
    MAX_CHANGES_PER_RUN,
  );
  for (const change of changes) {
    try {
      const report = await computeChangeHealth(deps.pool, change, new Date(now));
      if (report.verdict !== 'failing') continue;
      const projectIds = (await listProjects(deps.pool, change.organizationId)).map((p) => p.id);
      const rules = await deps.alerts.rules.rulesFor(deps.pool, deps.redis, deps.config.redis.prefix, projectIds, now);
      const evidence = report.reasons
        .filter((r) => r.severity !== 'healthy')
        .map((r) => r.message)
        .slice(0, 10);
      const fired = projectIds.flatMap((projectId) =>
        (rules.get(projectId) ?? []).flatMap((rule) => {
          const v = evaluateFlagChangeVerdict(rule, report.verdict);
          if (!v.fired) return [];
          return [
            {
              rule,
              reasons: [`${v.reasons[0]}: ${change.flag} ${change.action} by ${change.createdBy}`],
              projectId,
              issueId: null,
              eventId: null,
              environment: null,
              release: null,
              deploy: {
                id: `flag-change-${change.id}`,
                environment: null,
                release: null,
                verdict: report.verdict,
                evidence,
                flag: change.flag,
              },
              intervalMs: ONCE_PER_CHANGE_MS,
            },
          ];
        }),
      );
      await gateAndRecord(deps, fired, now);
    } catch (err) {
      deps.log.warn(
        { err, component: 'alerts.flag-change', changeId: change.id },
        'flag change evaluation failed; retrying next minute',
      );
    }
  }
}
