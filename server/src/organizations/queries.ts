// Organizations and memberships. Every API read goes through a membership join, so a caller
// who is not a member sees nothing (the routes answer 404, not 403).
import type { Queryable } from '../db/pool.js';

export type MemberRole = 'owner' | 'admin' | 'member';

export interface OrganizationRow {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}

export interface MemberOrganizationRow extends OrganizationRow {
  role: MemberRole;
}

const ORG_COLUMNS = `o.id, o.slug, o.name, o.created_at AS "createdAt"`;

export async function listOrganizationsForUser(db: Queryable, userId: string): Promise<MemberOrganizationRow[]> {
  const { rows } = await db.query<MemberOrganizationRow>(
    `SELECT ${ORG_COLUMNS}, m.role FROM organizations o
     JOIN memberships m ON m.organization_id = o.id AND m.user_id = $1
     ORDER BY o.slug`,
    [userId],
  );
  return rows;
}

export async function findOrganizationForMember(
  db: Queryable,
  slug: string,
  userId: string,
): Promise<MemberOrganizationRow | null> {
  const { rows } = await db.query<MemberOrganizationRow>(
    `SELECT ${ORG_COLUMNS}, m.role FROM organizations o
     JOIN memberships m ON m.organization_id = o.id AND m.user_id = $2
     WHERE o.slug = $1`,
    [slug, userId],
  );
  return rows[0] ?? null;
}

export async function findOrganizationBySlug(db: Queryable, slug: string): Promise<OrganizationRow | null> {
  const { rows } = await db.query<OrganizationRow>(`SELECT ${ORG_COLUMNS} FROM organizations o WHERE o.slug = $1`, [
    slug,
  ]);
  return rows[0] ?? null;
}

/** Inserts an organization unless the slug exists; returns the row and whether it was created. */
export async function upsertOrganization(
  db: Queryable,
  args: { slug: string; name: string },
): Promise<{ org: OrganizationRow; created: boolean }> {
  const { rows } = await db.query<OrganizationRow>(
    `INSERT INTO organizations (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING
     RETURNING id, slug, name, created_at AS "createdAt"`,
    [args.slug, args.name],
  );
  if (rows[0]) return { org: rows[0], created: true };
  const org = await findOrganizationBySlug(db, args.slug);
  if (!org) throw new Error(`organization ${args.slug} vanished while being created; retry`);
  return { org, created: false };
}

/** Adds a membership unless one exists (an existing role is kept); true when it was added. */
export async function insertMembershipIfMissing(
  db: Queryable,
  args: { organizationId: string; userId: string; role: MemberRole },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [args.organizationId, args.userId, args.role],
  );
  return (rowCount ?? 0) > 0;
}
