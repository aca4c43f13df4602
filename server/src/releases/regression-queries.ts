// What the release-aware reopen rules (regressions.ts) need from the database for a batch:
// the release-based resolution of the resolved issues, and the creation dates of the releases
// they are compared with. Two queries, only when the batch touches resolved issues.
import type { Queryable } from '../db/pool.js';
import { listReleaseDates } from './api-queries.js';
import type { ReleaseRef } from './order.js';

export interface IssueResolutionRow {
  issueId: string;
  resolvedInRelease: string | null;
  resolvedInNextRelease: boolean;
  resolvedAfterRelease: string | null;
}

export async function listIssueResolutions(
  db: Queryable,
  issueIds: string[],
): Promise<Map<string, IssueResolutionRow>> {
  if (issueIds.length === 0) return new Map();
  const { rows } = await db.query<IssueResolutionRow>(
    `SELECT id AS "issueId", resolved_in_release AS "resolvedInRelease", resolved_in_next_release AS "resolvedInNextRelease",
            resolved_after_release AS "resolvedAfterRelease"
       FROM issues WHERE id = ANY($1::bigint[])`,
    [issueIds],
  );
  return new Map(rows.map((r) => [r.issueId, r]));
}

/**
 * For the resolved issues of a batch (with their project and the releases of their new events):
 * their resolution columns and a per-project release lookup over the releases involved.
 */
export async function loadRegressionInputs(
  db: Queryable,
  issues: Array<{ issueId: string; projectId: string; eventReleases: Array<string | null> }>,
): Promise<{
  resolutions: Map<string, IssueResolutionRow>;
  releaseOf: (projectId: string) => (version: string) => ReleaseRef | null;
}> {
  const resolutions = await listIssueResolutions(
    db,
    issues.map((i) => i.issueId),
  );
  const pairs = new Map<string, { projectId: string; version: string }>();
  for (const i of issues) {
    const r = resolutions.get(i.issueId);
    const versions = [r?.resolvedInRelease, r?.resolvedAfterRelease, ...i.eventReleases];
    for (const v of versions)
      if (v) pairs.set(JSON.stringify([i.projectId, v]), { projectId: i.projectId, version: v });
  }
  const dates = new Map(
    (await listReleaseDates(db, [...pairs.values()])).map((d) => [
      JSON.stringify([d.projectId, d.version]),
      d.createdAt,
    ]),
  );
  return {
    resolutions,
    releaseOf: (projectId) => (version) => {
      const createdAt = dates.get(JSON.stringify([projectId, version]));
      return createdAt ? { version, createdAt } : null;
    },
  };
}
