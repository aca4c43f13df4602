// Users in Sentry's API shape (what sentry-cli `info` reads: string id and email).
import type { ApiUser } from '../api/types.js';
import type { UserRow } from './queries.js';

export function serializeUser(u: UserRow): ApiUser {
  return { id: u.id, email: u.email, name: u.name || u.email, username: u.email, isActive: u.isActive, dateJoined: u.createdAt.toISOString() };
}
