// Data-scrubbing settings of a project (Sentry's field names):
//   GET /api/0/projects/{org}/{project}/data-scrubbing/   the effective settings
//   PUT  same path                                         changes the given fields (owner/admin)
// Workers pick a change up within SCRUB_SETTINGS_TTL_MS (pipeline/scrub.ts).
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireProject, requireRole, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { listProjectScrubSettings, updateProjectScrubSettings } from './queries.js';
import { effectiveScrubSettings, projectScrubSettingsSchema } from './rules.js';

export function registerScrubRoutes(router: ApiRouter, deps: Deps): void {
  const path = '/projects/:org/:project/data-scrubbing/';

  router.get(path, async (ctx) => {
    requireScope(ctx, 'project:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const stored = (await listProjectScrubSettings(deps.pool, [project.id])).get(project.id) ?? null;
    ctx.body = effectiveScrubSettings(stored, deps.config.scrub);
  });

  router.put(path, async (ctx) => {
    requireScope(ctx, 'project:write');
    const access = requireRole(await requireProject(ctx, ctx.params.org!, ctx.params.project!), 'owner', 'admin');
    const patch = parseBody(ctx, projectScrubSettingsSchema.strict());
    const stored = (await listProjectScrubSettings(deps.pool, [access.project.id])).get(access.project.id) ?? null;
    const next = { ...stored, ...patch };
    await updateProjectScrubSettings(deps.pool, access.project.id, next);
    ctx.body = effectiveScrubSettings(next, deps.config.scrub);
  });
}
