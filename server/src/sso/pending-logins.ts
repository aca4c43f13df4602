// Logins in flight between the redirect to the provider and its callback. The browser holds
// only a random handle (cookie); Redis holds state, nonce, PKCE verifier and return path under
// the handle's hash for ten minutes and hands them out once (GETDEL): a replayed or forged
// callback finds nothing, and a callback from another browser lacks the cookie.
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../shared/redis.js';
import { z } from 'zod';
import { sha256Hex } from '../users/tokens.js';

export const PENDING_LOGIN_TTL_SECONDS = 10 * 60; // time to sign in at the provider, including MFA

const pendingSchema = z.object({ state: z.string(), nonce: z.string(), codeVerifier: z.string(), next: z.string() });
export type PendingLogin = z.infer<typeof pendingSchema>;

function key(prefix: string, handle: string): string {
  return `${prefix}:oidc-login:${sha256Hex(handle)}`;
}

export async function savePendingLogin(redis: RedisClient, prefix: string, login: PendingLogin): Promise<string> {
  const handle = randomBytes(32).toString('base64url');
  await redis.set(key(prefix, handle), JSON.stringify(login), 'EX', PENDING_LOGIN_TTL_SECONDS);
  return handle;
}

/** The pending login, removed so it cannot be used twice; null when unknown, expired or used. */
export async function takePendingLogin(
  redis: RedisClient,
  prefix: string,
  handle: string,
): Promise<PendingLogin | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(handle)) return null;
  const raw = await redis.getdel(key(prefix, handle));
  if (raw === null) return null;
  return pendingSchema.parse(JSON.parse(raw));
}
