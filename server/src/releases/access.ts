// Access helpers shared by the release and deploy routes: the scope check sentry-cli's tokens
// must pass, and the release lookup that answers 404 "release not found" (the CLI's wording).
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import { requireCaller } from '../api/auth.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import { findRelease, type ReleaseRow } from './api-queries.js';

/** Reads need any project scope, writes need project:releases (Sentry's ReleasePermission). */
export function requireReleaseScope(ctx: Koa.Context): void {
  const caller = requireCaller(ctx);
  const write = !['GET', 'HEAD', 'OPTIONS'].includes(ctx.method);
  const ok = write
    ? caller.scopes.some((s) => s === 'project:releases' || s === 'project:write' || s === 'project:admin')
    : caller.scopes.some((s) => s.startsWith('project:'));
  if (!ok) throw new HttpError(403, 'missing-scope', `this token lacks the project:releases scope`);
}

export async function getRelease(
  deps: Pick<Deps, 'pool'>,
  organizationId: string,
  version: string,
): Promise<ReleaseRow> {
  const release = await findRelease(deps.pool, organizationId, version);
  if (!release) throw releaseNotFound();
  return release;
}

export function releaseNotFound(): NotFoundError {
  return new NotFoundError('release-not-found', 'release not found');
}
