// Stage "assign" (after commit, before notify): new issues go to their owner — the first owner
// of the last matching ownership rule, a member or a team — or, when no rule matches and the
// project's autoAssignment says "Auto Assign to Suspect Commits", to the author of the top
// suspect commit when that author is a member. A person's own assignment is never overridden.
// Never throws: the events are committed; a failure is logged and the issue stays unassigned.
import type { Deps } from '../deps.js';
import { findEventCommitters } from '../commits/committers.js';
import { findEventOwners } from '../ownership/owners.js';
import { autoAssignIssue, listOwnerships } from '../ownership/queries.js';

export interface NewIssueEvent {
  projectId: string;
  issueId: string;
  release: string | null;
  environment: string | null;
  payload: Record<string, unknown>;
}

export async function assign(deps: Pick<Deps, 'pool' | 'log'>, events: NewIssueEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    const ownerships = await listOwnerships(deps.pool, [...new Set(events.map((e) => e.projectId))]);
    for (const e of events) {
      const ownership = ownerships.get(e.projectId);
      if (!ownership || ownership.autoAssignment === 'Turn off Auto-Assignment') continue;
      const { owners } = await findEventOwners(deps.pool, ownership, e.payload);
      const top = owners[0];
      if (top) {
        await autoAssignIssue(deps.pool, {
          issueId: e.issueId,
          assignee: { type: top.type, id: top.id },
          reason: 'ownership-rule',
        });
        continue;
      }
      if (ownership.autoAssignment !== 'Auto Assign to Suspect Commits') continue;
      const committers = await findEventCommitters(deps.pool, {
        organizationId: ownership.organizationId,
        projectId: e.projectId,
        version: e.release,
        environment: e.environment,
        payload: e.payload,
      });
      const author = committers.find((c) => c.author.id)?.author;
      if (author?.id)
        await autoAssignIssue(deps.pool, {
          issueId: e.issueId,
          assignee: { type: 'user', id: author.id },
          reason: 'suspect-commit',
        });
    }
  } catch (err) {
    deps.log.error(
      { err, component: 'pipeline.assign', issues: events.length },
      'auto-assignment failed: new issues of this batch stay unassigned',
    );
  }
}
