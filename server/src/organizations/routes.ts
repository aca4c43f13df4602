// GET /api/0/organizations/ (the caller's), /organizations/{org}/ and /organizations/{org}/projects/.
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireCaller, requireOrg, requireScope } from '../api/auth.js';
import { listProjects } from '../projects/queries.js';
import { serializeProject } from '../projects/serialize.js';
import { listOrganizationsForUser } from './queries.js';
import { serializeOrganization } from './serialize.js';

export function registerOrganizationRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/organizations/', async (ctx) => {
    requireScope(ctx, 'org:read');
    const orgs = await listOrganizationsForUser(deps.pool, requireCaller(ctx).user.id);
    ctx.body = orgs.map(serializeOrganization);
  });

  router.get('/organizations/:org/', async (ctx) => {
    requireScope(ctx, 'org:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    ctx.body = serializeOrganization(org);
  });

  router.get('/organizations/:org/projects/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    ctx.body = (await listProjects(deps.pool, org.id)).map((p) => serializeProject(p, org));
  });
}
