// Projects and the listing side of project keys (DSNs), always scoped to an organization the
// caller belongs to. The cached key lookup for ingest lives in shared/keys.ts.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/pool.js';

export interface ProjectRow {
  id: string;
  organizationId: string;
  slug: string;
  name: string;
  platform: string | null;
  shortIdPrefix: string;
  createdAt: Date;
  allowedDomains: string[];
}

export interface ProjectKeyRow {
  id: string;
  projectId: string;
  publicKey: string;
  secretKey: string;
  label: string;
  isActive: boolean;
  rateLimitCount: number | null;
  rateLimitWindow: number | null;
  createdAt: Date;
}

const PROJECT_COLUMNS = `p.id, p.organization_id AS "organizationId", p.slug, p.name, p.platform,
  p.short_id_prefix AS "shortIdPrefix", p.created_at AS "createdAt", p.allowed_domains AS "allowedDomains"`;

const KEY_COLUMNS = `k.id, k.project_id AS "projectId", k.public_key AS "publicKey", k.secret_key AS "secretKey",
  k.label, k.is_active AS "isActive", k.rate_limit_count AS "rateLimitCount",
  k.rate_limit_window AS "rateLimitWindow", k.created_at AS "createdAt"`;

export async function listProjects(db: Queryable, organizationId: string): Promise<ProjectRow[]> {
  const { rows } = await db.query<ProjectRow>(
    `SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.organization_id = $1 ORDER BY p.slug`,
    [organizationId],
  );
  return rows;
}

export async function findProjectBySlug(
  db: Queryable,
  organizationId: string,
  slug: string,
): Promise<ProjectRow | null> {
  const { rows } = await db.query<ProjectRow>(
    `SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.organization_id = $1 AND p.slug = $2`,
    [organizationId, slug],
  );
  return rows[0] ?? null;
}

/** Inserts a project unless the slug exists in the organization; says whether it was created. */
export async function upsertProject(
  db: Queryable,
  args: { organizationId: string; slug: string; name: string; platform: string | null; shortIdPrefix: string },
): Promise<{ project: ProjectRow; created: boolean }> {
  const { rows } = await db.query<ProjectRow>(
    `INSERT INTO projects (organization_id, slug, name, platform, short_id_prefix) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (organization_id, slug) DO NOTHING
     RETURNING id, organization_id AS "organizationId", slug, name, platform,
       short_id_prefix AS "shortIdPrefix", created_at AS "createdAt", allowed_domains AS "allowedDomains"`,
    [args.organizationId, args.slug, args.name, args.platform, args.shortIdPrefix],
  );
  if (rows[0]) return { project: rows[0], created: true };
  const project = await findProjectBySlug(db, args.organizationId, args.slug);
  if (!project) throw new Error(`project ${args.slug} vanished while being created; retry`);
  return { project, created: false };
}

export async function listProjectKeys(db: Queryable, projectId: string): Promise<ProjectKeyRow[]> {
  const { rows } = await db.query<ProjectKeyRow>(
    `SELECT ${KEY_COLUMNS} FROM project_keys k WHERE k.project_id = $1 ORDER BY k.id`,
    [projectId],
  );
  return rows;
}

/** Creates a DSN key with fresh random 32-hex public and secret parts. */
export async function insertProjectKey(
  db: Queryable,
  args: { projectId: string; label: string },
): Promise<ProjectKeyRow> {
  const { rows } = await db.query<ProjectKeyRow>(
    `INSERT INTO project_keys (project_id, public_key, secret_key, label) VALUES ($1, $2, $3, $4)
     RETURNING id, project_id AS "projectId", public_key AS "publicKey", secret_key AS "secretKey", label,
       is_active AS "isActive", rate_limit_count AS "rateLimitCount", rate_limit_window AS "rateLimitWindow",
       created_at AS "createdAt"`,
    [args.projectId, randomBytes(16).toString('hex'), randomBytes(16).toString('hex'), args.label],
  );
  return rows[0]!;
}

/** Sets the project's allowed domains (Sentry's project option); returns the stored list. */
export async function updateAllowedDomains(db: Queryable, projectId: string, domains: string[]): Promise<string[]> {
  const { rows } = await db.query<{ allowed_domains: string[] }>(
    'UPDATE projects SET allowed_domains = $2 WHERE id = $1 RETURNING allowed_domains',
    [projectId, domains],
  );
  return rows[0]?.allowed_domains ?? domains;
}
