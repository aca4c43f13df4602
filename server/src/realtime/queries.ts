// Reads the live stream needs beyond what the pipeline hands over: issue short ids, culprits,
// project slugs and organizations for a batch of stored events (one query per batch).
import type { Queryable } from '../db/pool.js';

export interface IssueSummaryRow {
  issueId: string;
  shortId: string;
  culprit: string;
  projectId: string;
  projectSlug: string;
  organizationId: string;
}

export async function listIssueSummaries(db: Queryable, issueIds: string[]): Promise<IssueSummaryRow[]> {
  if (issueIds.length === 0) return [];
  const { rows } = await db.query<{
    id: string;
    short_id: string;
    culprit: string;
    project_id: string;
    slug: string;
    short_id_prefix: string;
    organization_id: string;
  }>(
    `SELECT i.id, i.short_id, i.culprit, p.id AS project_id, p.slug, p.short_id_prefix, p.organization_id
       FROM issues i JOIN projects p ON p.id = i.project_id
      WHERE i.id = ANY($1::bigint[])`,
    [issueIds],
  );
  return rows.map((r) => ({
    issueId: r.id,
    shortId: `${r.short_id_prefix}-${r.short_id}`,
    culprit: r.culprit,
    projectId: r.project_id,
    projectSlug: r.slug,
    organizationId: r.organization_id,
  }));
}
