// Deploy health's commit evidence: the suspect commits of each new issue and regression among
// the commits the deploy brought (the range since the previous deploy to the environment), and
// the verdict's reasons naming them. DB-bound; the matching itself is commits/suspects.ts.
import type { Queryable } from '../db/pool.js';
import { committersFor, eventFrames } from '../commits/committers.js';
import { findPreviousDeployReleaseId, listDeployCommits } from '../commits/queries.js';
import { findEvent } from '../events/read-queries.js';
import type { DeployRow } from './deploy-queries.js';
import type { IssueEvidence, Reason } from './verdict.js';

/** Issues per list whose suspects are looked up (each costs an event read). */
const MAX_ISSUES = 10;

export async function addSuspectCommits(
  db: Queryable,
  deploy: DeployRow,
  lists: IssueEvidence[][],
  reasons: Reason[],
): Promise<void> {
  const issues = lists.flatMap((l) => l.slice(0, MAX_ISSUES));
  if (issues.length === 0) return;
  const previousReleaseId = await findPreviousDeployReleaseId(db, deploy);
  const commits = await listDeployCommits(db, {
    releaseId: deploy.releaseId,
    previousReleaseId,
    projectIds: deploy.projectIds,
  });
  if (commits.length === 0) return;
  for (const issue of issues) {
    const { rows } = await db.query<{ projectId: string }>(
      `SELECT project_id AS "projectId" FROM issues WHERE id = $1`,
      [issue.issueId],
    );
    const event = rows[0]
      ? await findEvent(db, { projectId: rows[0].projectId, issueId: issue.issueId, pick: { kind: 'latest' } })
      : null;
    if (!event) continue;
    const committers = await committersFor(db, deploy.organizationId, eventFrames(event.payload), commits);
    issue.suspectCommits = committers
      .flatMap((c) => c.commits)
      .slice(0, 3)
      .map((c) => ({
        id: c.id,
        message: c.message,
        dateCreated: c.dateCreated,
        author: c.author ? { name: c.author.name, email: c.author.email } : null,
      }));
    const top = issue.suspectCommits[0];
    const reason = reasons.find((r) => r.issueId === issue.issueId);
    if (top && reason)
      reason.message += `; suspect commit ${top.id.slice(0, 12)} by ${top.author?.name ?? top.author?.email ?? 'unknown'} (${(top.message ?? '').split('\n')[0]!.slice(0, 80)})`;
  }
}
