// Writes of DSN keys in Sentry's "Client Keys" shapes (GET list is routes.ts):
//   POST   /api/0/projects/{org}/{project}/keys/           {name?, rateLimit?: {window, count}} → 201 key
//   GET    /api/0/projects/{org}/{project}/keys/{key_id}/  → key (key_id = the public key)
//   PUT    same path   {name?, isActive?, rateLimit?: {window, count} | null} → key
//   DELETE same path   → 204
// Every change is published to the ingest processes (shared/key-changes.ts), so a disabled key or a new
// rate limit applies at once, not after the 60 s key cache TTL.
import { z } from 'zod';
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireProject, requireRole, requireScope, type ProjectAccess } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { NotFoundError } from '../api/errors.js';
import { insertProjectKey, type ProjectKeyRow } from './queries.js';
import { deleteProjectKey, findProjectKeyByPublicKey, updateProjectKey } from './key-queries.js';
import { publishKeyChange } from '../shared/key-changes.js';
import { serializeProjectKey } from './serialize.js';

/** Sentry offers windows from one minute to a day; any whole number of seconds up to a day works here. */
const rateLimitSchema = z.object({
  window: z.number().int().min(1).max(86_400),
  count: z.number().int().min(0).max(1_000_000_000),
});
const createSchema = z.object({
  name: z.string().trim().min(1).max(64).optional(),
  rateLimit: rateLimitSchema.nullable().optional(),
});
const updateSchema = z.object({
  name: z.string().trim().min(1).max(64).optional(),
  isActive: z.boolean().optional(),
  rateLimit: rateLimitSchema.nullable().optional(),
});

export function registerProjectKeyRoutes(router: ApiRouter, deps: Deps): void {
  const changed = (k: ProjectKeyRow) => publishKeyChange(deps.redis, deps.config.redis.prefix, k.publicKey, deps.log);
  const respond = (ctx: Koa.Context, access: ProjectAccess, k: ProjectKeyRow) => {
    ctx.body = serializeProjectKey(k, access.project, deps.config.http.baseUrl);
  };

  router.post('/projects/:org/:project/keys/', async (ctx) => {
    requireScope(ctx, 'project:write');
    const access = requireRole(await requireProject(ctx, ctx.params.org!, ctx.params.project!), 'owner', 'admin');
    const body = parseBody(ctx, createSchema);
    let key = await insertProjectKey(deps.pool, { projectId: access.project.id, label: body.name ?? 'Default' });
    if (body.rateLimit) key = await updateProjectKey(deps.pool, key.id, { rateLimit: body.rateLimit });
    respond(ctx, access, key);
    ctx.status = 201;
  });

  router.get('/projects/:org/:project/keys/:keyId/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const access = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    respond(ctx, access, await requireKey(deps, access, ctx.params.keyId!));
  });

  router.put('/projects/:org/:project/keys/:keyId/', async (ctx) => {
    requireScope(ctx, 'project:write');
    const access = requireRole(await requireProject(ctx, ctx.params.org!, ctx.params.project!), 'owner', 'admin');
    const key = await requireKey(deps, access, ctx.params.keyId!);
    const body = parseBody(ctx, updateSchema);
    const updated = await updateProjectKey(deps.pool, key.id, {
      label: body.name,
      isActive: body.isActive,
      rateLimit: body.rateLimit,
    });
    await changed(updated);
    respond(ctx, access, updated);
  });

  router.delete('/projects/:org/:project/keys/:keyId/', async (ctx) => {
    requireScope(ctx, 'project:admin');
    const access = requireRole(await requireProject(ctx, ctx.params.org!, ctx.params.project!), 'owner', 'admin');
    const key = await requireKey(deps, access, ctx.params.keyId!);
    await deleteProjectKey(deps.pool, key.id);
    await changed(key);
    ctx.status = 204;
  });
}

async function requireKey(deps: Deps, access: ProjectAccess, keyId: string): Promise<ProjectKeyRow> {
  const key = /^[0-9a-f]{32}$/.test(keyId)
    ? await findProjectKeyByPublicKey(deps.pool, access.project.id, keyId)
    : null;
  if (!key) throw new NotFoundError('key-not-found', 'project key not found');
  return key;
}
