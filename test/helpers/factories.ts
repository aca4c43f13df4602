// Test data factories: rows inserted with plain SQL so tests do not depend on API code.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../server/src/db/pool.js';

export interface CreatedProject {
  orgId: string;
  orgSlug: string;
  projectId: string;
  slug: string;
  keyId: string;
  publicKey: string;
  secretKey: string;
  /** `http://<key>@<host>/<projectId>` for the given base URL. */
  dsn: string;
}

let counter = 0;

/** Creates (or reuses, by slug) an organization, then a project with one active DSN key. */
export async function createProject(
  db: Queryable,
  opts: { slug?: string; orgSlug?: string; baseUrl?: string } = {},
): Promise<CreatedProject> {
  const n = `${process.pid}-${counter++}`;
  const orgSlug = opts.orgSlug ?? `org-${n}`;
  const slug = opts.slug ?? `project-${n}`;
  const org = await db.query<{ id: string }>(
    `INSERT INTO organizations (slug, name) VALUES ($1, $1)
     ON CONFLICT (slug) DO UPDATE SET name = organizations.name RETURNING id`,
    [orgSlug],
  );
  const orgId = org.rows[0]!.id;
  const project = await db.query<{ id: string }>(
    `INSERT INTO projects (organization_id, slug, name, platform, short_id_prefix)
     VALUES ($1, $2, $2, 'javascript', $3) RETURNING id`,
    [
      orgId,
      slug,
      slug
        .replace(/[^a-z]/gi, '')
        .slice(0, 4)
        .toUpperCase() || 'PRJ',
    ],
  );
  const projectId = project.rows[0]!.id;
  const key = await createProjectKey(db, projectId);
  const base = new URL(opts.baseUrl ?? 'http://127.0.0.1:8000');
  const dsn = `${base.protocol}//${key.publicKey}@${base.host}${base.pathname.replace(/\/+$/, '')}/${projectId}`;
  return { orgId, orgSlug, projectId, slug, ...key, dsn };
}

/** Adds a DSN key to a project (active unless told otherwise). */
export async function createProjectKey(
  db: Queryable,
  projectId: string,
  opts: { isActive?: boolean } = {},
): Promise<{ keyId: string; publicKey: string; secretKey: string }> {
  const publicKey = randomBytes(16).toString('hex');
  const secretKey = randomBytes(16).toString('hex');
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO project_keys (project_id, public_key, secret_key, is_active) VALUES ($1, $2, $3, $4) RETURNING id`,
    [projectId, publicKey, secretKey, opts.isActive ?? true],
  );
  return { keyId: rows[0]!.id, publicKey, secretKey };
}
