// Operator actions on accounts (used by the CLI): create a user with a password, and issue a
// personal API token (printed once; only its hash is stored; also behind POST /api/0/api-tokens/).
import type { Queryable } from '../db/pool.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.js';
import { findUserByEmail, insertApiToken, upsertUser, type UserRow } from './queries.js';
import { generateApiToken, sha256Hex, tokenHint } from './tokens.js';

export class AccountError extends Error {
  override name = 'AccountError';
}

/** Creates the user unless the email exists (an existing user and password are left alone). */
export async function ensureUser(
  db: Queryable,
  args: { email: string; password: string; name?: string },
): Promise<{ user: UserRow; created: boolean }> {
  if (args.password.length < MIN_PASSWORD_LENGTH)
    throw new AccountError(`the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  const existing = await findUserByEmail(db, args.email);
  if (existing) {
    const { passwordHash: _omit, ...user } = existing;
    return { user, created: false };
  }
  return upsertUser(db, { email: args.email, name: args.name ?? '', passwordHash: await hashPassword(args.password) });
}

export async function issueApiToken(
  db: Queryable,
  args: { userId: string; name: string; scopes?: string[] },
): Promise<{ id: string; token: string; createdAt: Date }> {
  const token = generateApiToken();
  const { id, createdAt } = await insertApiToken(db, {
    userId: args.userId,
    name: args.name,
    tokenHash: sha256Hex(token),
    tokenHint: tokenHint(token),
    scopes: args.scopes ?? [],
  });
  return { id, token, createdAt };
}
