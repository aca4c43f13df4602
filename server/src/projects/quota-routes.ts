// Event quotas (docs/ingest-protection.md), a dedicated endpoint rather than fields of the
// project resource (Sentry keeps them in internal options):
//   GET/PUT /api/0/projects/{org}/{project}/quotas/   {eventsPerMinute, eventsPerHour}
//   GET/PUT /api/0/organizations/{org}/quotas/        the same for the whole organization
// null = the configured default (PROJECT_/ORG_QUOTA_*, none unless set), 0 = no quota. GET also
// answers `effective`: what ingest enforces. Writes are published to ingest at once.
import { z } from 'zod';
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireOrg, requireProject, requireRole, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { ALL_KEYS, publishKeyChange } from '../shared/key-changes.js';
import {
  getOrganizationQuotas,
  getProjectQuotas,
  updateOrganizationQuotas,
  updateProjectQuotas,
  type EventQuotas,
} from './protection-queries.js';

const quota = z.number().int().min(0).max(1_000_000_000).nullable();
const quotasSchema = z.object({ eventsPerMinute: quota.optional(), eventsPerHour: quota.optional() }).strict();

/** What applies: the own value, else the default; 0 or none → null (unlimited). */
function effective(own: EventQuotas, defaults: { perMinute: number | null; perHour: number | null }): EventQuotas {
  const pick = (v: number | null, d: number | null) => {
    const x = v ?? d;
    return x === null || x <= 0 ? null : x;
  };
  return {
    eventsPerMinute: pick(own.eventsPerMinute, defaults.perMinute),
    eventsPerHour: pick(own.eventsPerHour, defaults.perHour),
  };
}

export function registerQuotaRoutes(router: ApiRouter, deps: Deps): void {
  const q = deps.config.protection.quotas;
  const projectDefaults = { perMinute: q.projectPerMinute, perHour: q.projectPerHour };
  const orgDefaults = { perMinute: q.orgPerMinute, perHour: q.orgPerHour };
  const changed = () => publishKeyChange(deps.redis, deps.config.redis.prefix, ALL_KEYS, deps.log);
  const merge = (ctx: Koa.Context, current: EventQuotas): EventQuotas => ({
    ...current,
    ...parseBody(ctx, quotasSchema),
  });

  const projectBody = async (projectId: string) => {
    const { project, organization } = await getProjectQuotas(deps.pool, projectId);
    return {
      ...project,
      effective: effective(project, projectDefaults),
      organization: { ...organization, effective: effective(organization, orgDefaults) },
    };
  };
  const orgBody = async (orgId: string) => {
    const own = await getOrganizationQuotas(deps.pool, orgId);
    return { ...own, effective: effective(own, orgDefaults) };
  };

  router.get('/projects/:org/:project/quotas/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    ctx.body = await projectBody(project.id);
  });

  router.put('/projects/:org/:project/quotas/', async (ctx) => {
    requireScope(ctx, 'project:write');
    const { project } = requireRole(await requireProject(ctx, ctx.params.org!, ctx.params.project!), 'owner', 'admin');
    const next = merge(ctx, (await getProjectQuotas(deps.pool, project.id)).project);
    await updateProjectQuotas(deps.pool, project.id, next);
    await changed();
    ctx.body = await projectBody(project.id);
  });

  router.get('/organizations/:org/quotas/', async (ctx) => {
    requireScope(ctx, 'org:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    ctx.body = await orgBody(org.id);
  });

  router.put('/organizations/:org/quotas/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const { org } = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    await updateOrganizationQuotas(deps.pool, org.id, merge(ctx, await getOrganizationQuotas(deps.pool, org.id)));
    await changed();
    ctx.body = await orgBody(org.id);
  });
}
