// Users, personal API tokens and login sessions. Tokens and session cookies are looked up by
// their SHA-256 (see tokens.ts); plaintext never reaches the database.
import type { Queryable } from '../db/pool.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  isActive: boolean;
  createdAt: Date;
}

export interface UserWithPasswordRow extends UserRow {
  passwordHash: string | null;
}

const USER_COLUMNS = `u.id, u.email, u.name, u.is_active AS "isActive", u.created_at AS "createdAt"`;

export async function findUserByEmail(db: Queryable, email: string): Promise<UserWithPasswordRow | null> {
  const { rows } = await db.query<UserWithPasswordRow>(
    `SELECT ${USER_COLUMNS}, u.password_hash AS "passwordHash" FROM users u WHERE lower(u.email) = lower($1)`,
    [email],
  );
  return rows[0] ?? null;
}

export async function listUsersByIds(db: Queryable, ids: string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ANY($1::bigint[])`, [ids]);
  return rows;
}

/** Inserts a user unless the email exists; returns the row and whether it was created. */
export async function upsertUser(
  db: Queryable,
  args: { email: string; name: string; passwordHash: string | null },
): Promise<{ user: UserRow; created: boolean }> {
  const inserted = await db.query<UserRow>(
    `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3)
     ON CONFLICT (lower(email)) DO NOTHING
     RETURNING id, email, name, is_active AS "isActive", created_at AS "createdAt"`,
    [args.email, args.name, args.passwordHash],
  );
  if (inserted.rows[0]) return { user: inserted.rows[0], created: true };
  const existing = await findUserByEmail(db, args.email);
  if (!existing) throw new Error(`user ${args.email} vanished while being created; retry`);
  const { passwordHash: _omit, ...user } = existing;
  return { user, created: false };
}

export async function updateUserPassword(db: Queryable, userId: string, passwordHash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, passwordHash]);
}

export async function insertApiToken(
  db: Queryable,
  args: { userId: string; name: string; tokenHash: string; tokenHint: string; scopes: string[] },
): Promise<{ id: string; createdAt: Date }> {
  const { rows } = await db.query<{ id: string; createdAt: Date }>(
    `INSERT INTO api_tokens (user_id, name, token_hash, token_hint, scopes) VALUES ($1, $2, $3, $4, $5)
     RETURNING id, created_at AS "createdAt"`,
    [args.userId, args.name, args.tokenHash, args.tokenHint, args.scopes],
  );
  return rows[0]!;
}

export interface ApiTokenRow {
  id: string;
  name: string;
  tokenHint: string;
  scopes: string[];
  lastUsedAt: Date | null;
  createdAt: Date;
}

/** A user's live (not revoked) tokens, newest first; never the hash. */
export async function listApiTokens(db: Queryable, userId: string): Promise<ApiTokenRow[]> {
  const { rows } = await db.query<ApiTokenRow>(
    `SELECT id, name, token_hint AS "tokenHint", scopes, last_used_at AS "lastUsedAt", created_at AS "createdAt"
     FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`,
    [userId],
  );
  return rows;
}

/** Revokes one of the user's live tokens; false when there is none with that id. */
export async function revokeApiToken(db: Queryable, args: { userId: string; tokenId: string }): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL',
    [args.tokenId, args.userId],
  );
  return (rowCount ?? 0) > 0;
}

export interface TokenOwnerRow {
  tokenId: string;
  scopes: string[];
  user: UserRow;
}

/** The active user owning a live (not revoked) token; bumps last_used_at at most once a minute. */
export async function findUserByTokenHash(db: Queryable, tokenHash: string): Promise<TokenOwnerRow | null> {
  const { rows } = await db.query<UserRow & { tokenId: string; scopes: string[] }>(
    `WITH hit AS (
       SELECT t.id, t.user_id, t.scopes FROM api_tokens t WHERE t.token_hash = $1 AND t.revoked_at IS NULL
     ), touched AS (
       UPDATE api_tokens SET last_used_at = now()
       WHERE id = (SELECT id FROM hit) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
     )
     SELECT ${USER_COLUMNS}, hit.id AS "tokenId", hit.scopes
     FROM hit JOIN users u ON u.id = hit.user_id WHERE u.is_active`,
    [tokenHash],
  );
  const r = rows[0];
  if (!r) return null;
  const { tokenId, scopes, ...user } = r;
  return { tokenId, scopes, user };
}

export async function insertSession(
  db: Queryable,
  args: {
    userId: string;
    tokenHash: string;
    ipAddress: string;
    userAgent: string;
    expiresAt: Date;
    idToken?: string | null;
  },
): Promise<{ id: string }> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO user_sessions (user_id, token_hash, ip_address, user_agent, expires_at, id_token)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [args.userId, args.tokenHash, args.ipAddress, args.userAgent.slice(0, 512), args.expiresAt, args.idToken ?? null],
  );
  return rows[0]!;
}

/** The active user of an unexpired session; bumps last_used_at at most once a minute. */
export async function findUserBySessionHash(
  db: Queryable,
  tokenHash: string,
): Promise<{ sessionId: string; user: UserRow } | null> {
  const { rows } = await db.query<UserRow & { sessionId: string }>(
    `WITH hit AS (
       SELECT s.id, s.user_id FROM user_sessions s WHERE s.token_hash = $1 AND s.expires_at > now()
     ), touched AS (
       UPDATE user_sessions SET last_used_at = now()
       WHERE id = (SELECT id FROM hit) AND last_used_at < now() - interval '1 minute'
     )
     SELECT ${USER_COLUMNS}, hit.id AS "sessionId"
     FROM hit JOIN users u ON u.id = hit.user_id WHERE u.is_active`,
    [tokenHash],
  );
  const r = rows[0];
  if (!r) return null;
  const { sessionId, ...user } = r;
  return { sessionId, user };
}

/** Ends a session; returns the ID token it was started with (SSO logins), for the provider's logout. */
export async function deleteSession(db: Queryable, sessionId: string): Promise<{ idToken: string | null } | null> {
  const { rows } = await db.query<{ idToken: string | null }>(
    'DELETE FROM user_sessions WHERE id = $1 RETURNING id_token AS "idToken"',
    [sessionId],
  );
  return rows[0] ?? null;
}

export async function deleteExpiredSessions(db: Queryable, userId: string): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM user_sessions WHERE user_id = $1 AND expires_at <= now()', [userId]);
  return rowCount ?? 0;
}
