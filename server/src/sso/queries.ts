// Single sign-on rows: provider identities linked to users, the per-organization password-login
// switch, and access requests of SSO users the role mapping placed nowhere.
import type { Queryable } from '../db/pool.js';
import type { UserRow } from '../users/queries.js';

const USER_COLUMNS = `u.id, u.email, u.name, u.is_active AS "isActive", u.created_at AS "createdAt"`;

/**
 * The user an identity is linked to (active or not); records the identity's e-mail and whether
 * the provider verified it, as this login says, and bumps last_login_at.
 */
export async function findUserByIdentity(
  db: Queryable,
  args: { issuer: string; subject: string; email: string | null; emailVerified: boolean },
): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(
    `WITH hit AS (
       UPDATE user_identities SET last_login_at = now(), email = $3, is_email_verified = $4
       WHERE issuer = $1 AND subject = $2 RETURNING user_id
     )
     SELECT ${USER_COLUMNS} FROM hit JOIN users u ON u.id = hit.user_id`,
    [args.issuer, args.subject, args.email, args.emailVerified],
  );
  return rows[0] ?? null;
}

/** Links an identity to a user; false when (issuer, subject) is already linked (a concurrent login). */
export async function insertIdentity(
  db: Queryable,
  args: { userId: string; issuer: string; subject: string; email: string | null; emailVerified: boolean },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO user_identities (user_id, issuer, subject, email, is_email_verified) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (issuer, subject) DO NOTHING`,
    [args.userId, args.issuer, args.subject, args.email, args.emailVerified],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Whether the account came from single sign-on with an e-mail no provider verified: it has linked
 * identities and none of them was verified for the account's e-mail. Such an account is never
 * linked to a new identity by e-mail (whoever created it may not own the address).
 */
export async function isEmailUnverifiedSsoAccount(db: Queryable, userId: string): Promise<boolean> {
  const { rows } = await db.query<{ unverified: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM user_identities i WHERE i.user_id = u.id)
        AND NOT EXISTS (
          SELECT 1 FROM user_identities i
          WHERE i.user_id = u.id AND i.is_email_verified AND lower(i.email) = lower(u.email)
        ) AS unverified
     FROM users u WHERE u.id = $1`,
    [userId],
  );
  return rows[0]?.unverified ?? false;
}

export async function countIdentities(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM user_identities WHERE user_id = $1', [
    userId,
  ]);
  return rows[0]?.n ?? 0;
}

/** Slugs of the user's organizations that turned password login off. */
export async function listPasswordlessOrganizations(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ slug: string }>(
    `SELECT o.slug FROM organizations o JOIN memberships m ON m.organization_id = o.id
     WHERE m.user_id = $1 AND NOT o.is_password_login_allowed ORDER BY o.slug`,
    [userId],
  );
  return rows.map((r) => r.slug);
}

/**
 * Whether the login page offers a password: the named organization's switch; without one (or an
 * unknown slug, so slugs do not leak), whether any organization still allows passwords.
 */
export async function isPasswordLoginOffered(db: Queryable, orgSlug: string | null): Promise<boolean> {
  const { rows } = await db.query<{ allowed: boolean }>(
    `SELECT coalesce(
       (SELECT is_password_login_allowed FROM organizations WHERE slug = $1),
       (SELECT bool_or(is_password_login_allowed) FROM organizations),
       true) AS allowed`,
    [orgSlug],
  );
  return rows[0]?.allowed ?? true;
}

export async function findPasswordLoginAllowed(db: Queryable, organizationId: string): Promise<boolean> {
  const { rows } = await db.query<{ allowed: boolean }>(
    'SELECT is_password_login_allowed AS allowed FROM organizations WHERE id = $1',
    [organizationId],
  );
  return rows[0]?.allowed ?? true;
}

export async function updatePasswordLoginAllowed(
  db: Queryable,
  organizationId: string,
  allowed: boolean,
): Promise<void> {
  await db.query('UPDATE organizations SET is_password_login_allowed = $2 WHERE id = $1', [organizationId, allowed]);
}

/**
 * Ends the password sessions (those without an ID token) of the organization's members, except
 * `keepSessionId` (the owner switching passwords off); returns how many ended. SSO sessions stay.
 */
export async function deletePasswordSessions(
  db: Queryable,
  organizationId: string,
  keepSessionId: string | null,
): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM user_sessions s USING memberships m
     WHERE m.organization_id = $1 AND m.user_id = s.user_id AND s.id_token IS NULL
       AND s.id IS DISTINCT FROM $2::bigint`,
    [organizationId, keepSessionId],
  );
  return rowCount ?? 0;
}

/** Organization ids of the given slugs (missing slugs are left out). */
export async function listOrganizationIdsBySlugs(
  db: Queryable,
  slugs: string[],
): Promise<Array<{ id: string; slug: string }>> {
  if (slugs.length === 0) return [];
  const { rows } = await db.query<{ id: string; slug: string }>(
    'SELECT id, slug FROM organizations WHERE slug = ANY($1::text[])',
    [slugs],
  );
  return rows;
}

export async function countMemberships(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM memberships WHERE user_id = $1', [
    userId,
  ]);
  return rows[0]?.n ?? 0;
}

export async function insertAccessRequest(
  db: Queryable,
  args: { organizationSlug: string; userId: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO organization_access_requests (organization_id, user_id)
     SELECT o.id, $2 FROM organizations o WHERE o.slug = $1
       AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = o.id AND m.user_id = $2)
     ON CONFLICT DO NOTHING`,
    [args.organizationSlug, args.userId],
  );
  return (rowCount ?? 0) > 0;
}

export interface AccessRequestRow {
  userId: string;
  email: string;
  name: string;
  createdAt: Date;
}

export const MAX_ACCESS_REQUESTS_LISTED = 200;

export async function listAccessRequests(db: Queryable, organizationId: string): Promise<AccessRequestRow[]> {
  const { rows } = await db.query<AccessRequestRow>(
    `SELECT u.id AS "userId", u.email, u.name, r.created_at AS "createdAt"
     FROM organization_access_requests r JOIN users u ON u.id = r.user_id
     WHERE r.organization_id = $1 AND u.is_active ORDER BY r.created_at, u.id LIMIT ${MAX_ACCESS_REQUESTS_LISTED}`,
    [organizationId],
  );
  return rows;
}

/** Removes a pending request; false when there is none for this user. */
export async function deleteAccessRequest(db: Queryable, organizationId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'DELETE FROM organization_access_requests WHERE organization_id = $1 AND user_id = $2',
    [organizationId, userId],
  );
  return (rowCount ?? 0) > 0;
}
