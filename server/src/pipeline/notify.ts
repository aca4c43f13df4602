// Stage "notify" (after commit, next to publish): hands newly stored events to the alert rules
// (alerts/evaluate.ts). Never throws: the events are committed; evaluation logs its failures.
import { evaluateAlerts } from '../alerts/evaluate.js';
import type { AlertDeps } from '../alerts/deps.js';
import type { StoredEvent } from './prepared.js';

export async function notify(deps: AlertDeps, stored: StoredEvent[]): Promise<void> {
  await evaluateAlerts(
    deps,
    stored.map((e) => ({
      projectId: e.projectId,
      issueId: e.issueId,
      eventId: e.eventId,
      isNew: e.isNewIssue,
      isRegression: e.isRegression,
      level: e.level,
      environment: e.environment,
      release: e.release,
      tags: e.tags ?? [],
      userKey: e.userKey ?? null,
      timestamp: Math.round(e.timestamp * 1000),
    })),
  );
}
