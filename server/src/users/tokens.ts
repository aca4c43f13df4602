// Credentials as random strings, stored only as SHA-256: personal API tokens (`sntryu_` + 64
// hex, the form sentry-cli recognises as a user token), session cookie values, and the CSRF
// token derived from a session (HMAC with SECRET_KEY, so it needs no storage).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_TOKEN_PREFIX = 'sntryu_';

export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('hex')}`;
}

export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** What the UI may show to tell tokens apart: the last four characters. */
export function tokenHint(token: string): string {
  return token.slice(-4);
}

export function csrfTokenFor(secretKey: string, sessionToken: string): string {
  return createHmac('sha256', secretKey).update(`csrf:${sessionToken}`).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
