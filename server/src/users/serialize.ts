// Users and personal API tokens in Sentry's API shape (what sentry-cli `info` reads: string id
// and email; tokens as Sentry's token serializer, without the token).
import type { ApiToken, ApiUser } from '../api/types.js';
import type { ApiTokenRow, UserRow } from './queries.js';

export function serializeUser(u: UserRow): ApiUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name || u.email,
    username: u.email,
    isActive: u.isActive,
    dateJoined: u.createdAt.toISOString(),
  };
}

export function serializeApiToken(t: ApiTokenRow): ApiToken {
  return {
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    application: null,
    expiresAt: null,
    dateCreated: t.createdAt.toISOString(),
    lastUsed: t.lastUsedAt ? t.lastUsedAt.toISOString() : null,
    tokenLastCharacters: t.tokenHint,
  };
}
