// Browser sessions: a random cookie value whose SHA-256 is the user_sessions row key. Fixed
// lifetime (no sliding renewal) so a stolen cookie dies on schedule.
import type { Queryable } from '../db/pool.js';
import { deleteExpiredSessions, insertSession } from './queries.js';
import { generateSessionToken, sha256Hex } from './tokens.js';

export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000; // two weeks: re-login fortnightly

export async function startSession(
  db: Queryable,
  args: { userId: string; ipAddress: string; userAgent: string; now: Date; idToken?: string | null },
): Promise<{ token: string; expiresAt: Date }> {
  const token = generateSessionToken();
  const expiresAt = new Date(args.now.getTime() + SESSION_TTL_MS);
  await deleteExpiredSessions(db, args.userId);
  await insertSession(db, {
    userId: args.userId,
    tokenHash: sha256Hex(token),
    ipAddress: args.ipAddress,
    userAgent: args.userAgent,
    expiresAt,
    idToken: args.idToken,
  });
  return { token, expiresAt };
}
