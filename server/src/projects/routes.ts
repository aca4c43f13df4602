// GET /api/0/projects/ (every project the caller can see), GET and PUT /projects/{org}/{project}/
// (PUT: the project's allowedDomains, as Sentry's project details) and its DSN keys
// /projects/{org}/{project}/keys/. Key writes (POST/PUT/DELETE) register elsewhere.
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { z } from 'zod';
import { requireCaller, requireProject, requireRole, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { ALL_KEYS, publishKeyChange } from '../shared/key-changes.js';
import { listOrganizationsForUser } from '../organizations/queries.js';
import { listProjectKeys, listProjects, updateAllowedDomains } from './queries.js';
import { serializeProject, serializeProjectKey } from './serialize.js';

/** What PUT may change: Sentry's `allowedDomains` (an empty list means every origin, `*`). */
const projectUpdateSchema = z.object({
  allowedDomains: z.array(z.string().max(256)).max(100).optional(),
});

export function registerProjectRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/projects/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const orgs = await listOrganizationsForUser(deps.pool, requireCaller(ctx).user.id);
    const perOrg = await Promise.all(
      orgs.map(async (o) => (await listProjects(deps.pool, o.id)).map((p) => serializeProject(p, o))),
    );
    ctx.body = perOrg.flat();
  });

  router.get('/projects/:org/:project/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const { org, project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    ctx.body = serializeProject(project, org);
  });

  router.put('/projects/:org/:project/', async (ctx) => {
    requireScope(ctx, 'project:write');
    const { org, project } = requireRole(
      await requireProject(ctx, ctx.params.org!, ctx.params.project!),
      'owner',
      'admin',
    );
    const body = parseBody(ctx, projectUpdateSchema);
    if (body.allowedDomains !== undefined) {
      const domains = body.allowedDomains.map((d) => d.trim()).filter((d) => d !== '');
      project.allowedDomains = await updateAllowedDomains(deps.pool, project.id, domains.length > 0 ? domains : ['*']);
      await publishKeyChange(deps.redis, deps.config.redis.prefix, ALL_KEYS, deps.log); // ingest caches them with the keys
    }
    ctx.body = serializeProject(project, org);
  });

  router.get('/projects/:org/:project/keys/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const keys = await listProjectKeys(deps.pool, project.id);
    ctx.body = keys.map((k) => serializeProjectKey(k, project, deps.config.http.baseUrl));
  });
}
