// Rows the pipeline tests need before any event arrives: an organization and its projects.
import type { Queryable } from '../../server/src/db/pool.js';

export async function createProject(
  db: Queryable,
  slug: string,
  opts: { org?: string } = {},
): Promise<{ projectId: string; organizationId: string }> {
  const org = opts.org ?? `org-${slug}`;
  const { rows: o } = await db.query<{ id: string }>(
    `INSERT INTO organizations (slug, name) VALUES ($1, $1)
     ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id`,
    [org],
  );
  const { rows: p } = await db.query<{ id: string }>(
    `INSERT INTO projects (organization_id, slug, name, short_id_prefix) VALUES ($1, $2, $2, upper($2)) RETURNING id`,
    [o[0]!.id, slug],
  );
  return { projectId: p[0]!.id, organizationId: o[0]!.id };
}
