// GET /api/0/projects/ (every project the caller can see), /projects/{org}/{project}/ and its
// DSN keys /projects/{org}/{project}/keys/. Key writes (POST/PUT/DELETE) register elsewhere.
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireCaller, requireProject, requireScope } from '../api/auth.js';
import { listOrganizationsForUser } from '../organizations/queries.js';
import { listProjectKeys, listProjects } from './queries.js';
import { serializeProject, serializeProjectKey } from './serialize.js';

export function registerProjectRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/projects/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const orgs = await listOrganizationsForUser(deps.pool, requireCaller(ctx).user.id);
    const perOrg = await Promise.all(orgs.map(async (o) => (await listProjects(deps.pool, o.id)).map((p) => serializeProject(p, o))));
    ctx.body = perOrg.flat();
  });

  router.get('/projects/:org/:project/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const { org, project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    ctx.body = serializeProject(project, org);
  });

  router.get('/projects/:org/:project/keys/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const keys = await listProjectKeys(deps.pool, project.id);
    ctx.body = keys.map((k) => serializeProjectKey(k, project, deps.config.http.baseUrl));
  });
}
