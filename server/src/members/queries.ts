// Organization members and invitations: list, change role, remove, and the invitation lifecycle
// (create with a hashed token, list pending, revoke, claim once).
import type { Queryable } from '../db/pool.js';
import type { MemberRole } from '../organizations/queries.js';
import { isBigintId } from '../db/ids.js';

export interface MemberRow {
  userId: string;
  email: string;
  name: string;
  role: MemberRole;
  createdAt: Date;
}

export async function listMembers(db: Queryable, organizationId: string): Promise<MemberRow[]> {
  const { rows } = await db.query<MemberRow>(
    `SELECT u.id AS "userId", u.email, u.name, m.role, m.created_at AS "createdAt"
       FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.organization_id = $1
      ORDER BY lower(u.email)`,
    [organizationId],
  );
  return rows;
}

export async function findMember(db: Queryable, organizationId: string, userId: string): Promise<MemberRow | null> {
  if (!isBigintId(userId)) return null;
  const { rows } = await db.query<MemberRow>(
    `SELECT u.id AS "userId", u.email, u.name, m.role, m.created_at AS "createdAt"
       FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.organization_id = $1 AND m.user_id = $2`,
    [organizationId, userId],
  );
  return rows[0] ?? null;
}

/** Owners of the organization, locked for the rest of the transaction (last-owner checks). */
export async function countOwnersForUpdate(db: Queryable, organizationId: string): Promise<number> {
  const { rows } = await db.query<{ user_id: string }>(
    `SELECT user_id FROM memberships WHERE organization_id = $1 AND role = 'owner' FOR UPDATE`,
    [organizationId],
  );
  return rows.length;
}

export async function updateMemberRole(
  db: Queryable,
  organizationId: string,
  userId: string,
  role: MemberRole,
): Promise<void> {
  await db.query(`UPDATE memberships SET role = $3 WHERE organization_id = $1 AND user_id = $2`, [
    organizationId,
    userId,
    role,
  ]);
}

export async function deleteMember(db: Queryable, organizationId: string, userId: string): Promise<void> {
  await db.query(`DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2`, [organizationId, userId]);
}

export interface InvitationRow {
  id: string;
  organizationId: string;
  email: string | null;
  role: MemberRole;
  invitedBy: { id: string; name: string; email: string } | null;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const INVITATION_COLUMNS = `i.id, i.organization_id AS "organizationId", i.email, i.role,
  CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object('id', u.id::text, 'name', u.name, 'email', u.email) END AS "invitedBy",
  i.expires_at AS "expiresAt", i.accepted_at AS "acceptedAt", i.revoked_at AS "revokedAt", i.created_at AS "createdAt"`;

export async function insertInvitation(
  db: Queryable,
  a: {
    organizationId: string;
    email: string | null;
    role: MemberRole;
    tokenHash: string;
    invitedByUserId: string;
    expiresAt: Date;
  },
): Promise<InvitationRow> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO organization_invitations (organization_id, email, role, token_hash, invited_by_user_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [a.organizationId, a.email, a.role, a.tokenHash, a.invitedByUserId, a.expiresAt],
  );
  const row = await findInvitationById(db, a.organizationId, rows[0]!.id);
  if (!row) throw new Error('invitation vanished right after insert');
  return row;
}

export async function findInvitationById(
  db: Queryable,
  organizationId: string,
  id: string,
): Promise<InvitationRow | null> {
  if (!isBigintId(id)) return null;
  const { rows } = await db.query<InvitationRow>(
    `SELECT ${INVITATION_COLUMNS} FROM organization_invitations i LEFT JOIN users u ON u.id = i.invited_by_user_id
      WHERE i.organization_id = $1 AND i.id = $2`,
    [organizationId, id],
  );
  return rows[0] ?? null;
}

export async function listPendingInvitations(
  db: Queryable,
  organizationId: string,
  now: Date,
): Promise<InvitationRow[]> {
  const { rows } = await db.query<InvitationRow>(
    `SELECT ${INVITATION_COLUMNS} FROM organization_invitations i LEFT JOIN users u ON u.id = i.invited_by_user_id
      WHERE i.organization_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2
      ORDER BY i.created_at DESC LIMIT 200`,
    [organizationId, now],
  );
  return rows;
}

export async function revokeInvitation(db: Queryable, organizationId: string, id: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE organization_invitations SET revoked_at = $3 WHERE organization_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
    [organizationId, id, now],
  );
  return (rowCount ?? 0) > 0;
}

export interface InvitationPreviewRow extends InvitationRow {
  organizationSlug: string;
  organizationName: string;
}

export async function findInvitationByTokenHash(
  db: Queryable,
  tokenHash: string,
): Promise<InvitationPreviewRow | null> {
  const { rows } = await db.query<InvitationPreviewRow>(
    `SELECT ${INVITATION_COLUMNS}, o.slug AS "organizationSlug", o.name AS "organizationName"
       FROM organization_invitations i
       JOIN organizations o ON o.id = i.organization_id
       LEFT JOIN users u ON u.id = i.invited_by_user_id
      WHERE i.token_hash = $1`,
    [tokenHash],
  );
  return rows[0] ?? null;
}

/** Marks a usable invitation accepted; null when it was used, revoked or expired meanwhile. */
export async function claimInvitation(
  db: Queryable,
  tokenHash: string,
  userId: string,
  now: Date,
): Promise<{ organizationId: string; role: MemberRole } | null> {
  const { rows } = await db.query<{ organizationId: string; role: MemberRole }>(
    `UPDATE organization_invitations SET accepted_at = $3, accepted_by_user_id = $2
      WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3
      RETURNING organization_id AS "organizationId", role`,
    [tokenHash, userId, now],
  );
  return rows[0] ?? null;
}
