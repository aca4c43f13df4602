// Login throttling: at most LOGIN_MAX_ATTEMPTS per email + client IP per window, counted in
// Redis (INCR + EXPIRE NX, one round trip) under the configured prefix. A success clears it.
import type { RedisClient } from '../shared/redis.js';
import { sha256Hex } from './tokens.js';

export const LOGIN_MAX_ATTEMPTS = 10;
export const LOGIN_WINDOW_SECONDS = 15 * 60; // long enough to make guessing slow, short enough to forgive typos

export type LoginAttempt = { allowed: true } | { allowed: false; retryAfterSeconds: number };

function attemptKey(prefix: string, email: string, ip: string): string {
  return `${prefix}:login-attempts:${sha256Hex(`${email.toLowerCase()}|${ip}`)}`;
}

/** Counts one attempt and says whether it may proceed. */
export async function countLoginAttempt(
  redis: RedisClient,
  prefix: string,
  email: string,
  ip: string,
): Promise<LoginAttempt> {
  const key = attemptKey(prefix, email, ip);
  const results = await redis.multi().incr(key).expire(key, LOGIN_WINDOW_SECONDS, 'NX').ttl(key).exec();
  if (!results) throw new Error('login attempt counter transaction was aborted');
  const [incr, , ttl] = results;
  if (incr?.[0] || ttl?.[0]) throw new Error('login attempt counter failed', { cause: incr?.[0] ?? ttl?.[0] });
  const count = Number(incr?.[1]);
  if (count <= LOGIN_MAX_ATTEMPTS) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Number(ttl?.[1])) };
}

export async function clearLoginAttempts(redis: RedisClient, prefix: string, email: string, ip: string): Promise<void> {
  await redis.del(attemptKey(prefix, email, ip));
}
