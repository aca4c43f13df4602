// Code mappings of a project (GET/POST/DELETE .../code-mappings/) and the source links of an
// event's in-app frames (GET .../events/{id}/source-links/), which the issue page shows.
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireProject, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import {
  deleteCodeMapping,
  eventSourceLinks,
  findReleaseHeads,
  insertCodeMapping,
  listCodeMappings,
  type FrameLink,
} from './code-mappings.js';
import { listRepositoriesByName } from './queries.js';
import { findEventById } from './event-lookup.js';

const path = z
  .string()
  .trim()
  .max(1024)
  .regex(/^[^\n\r\t]*$/, 'no control characters');
const mappingSchema = z.object({
  repository: z.string().trim().min(1).max(200),
  stackRoot: path.default(''),
  sourceRoot: path.default(''),
  defaultBranch: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(/^[\w./-]+$/, 'a branch name')
    .default('main'),
});

/** GET …/events/{id}/source-links/: repository links of the event's in-app frames. */
export interface ApiSourceLinks {
  links: FrameLink[];
}

export function registerCodeMappingRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/projects/:org/:project/code-mappings/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    ctx.body = (await listCodeMappings(deps.pool, project.id)).map(serializeMapping);
  });

  router.post('/projects/:org/:project/code-mappings/', async (ctx) => {
    requireScope(ctx, 'project:write');
    const { org, project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const body = parseBody(ctx, mappingSchema);
    const [repo] = await listRepositoriesByName(deps.pool, org.id, [body.repository]);
    if (!repo)
      throw new HttpError(
        400,
        'unknown-repository',
        `repository: unknown repository "${body.repository}" (add it with POST /api/0/organizations/{org}/repos/)`,
      );
    if (!repo.url)
      throw new HttpError(400, 'repository-without-url', `repository: "${repo.name}" has no URL to link to`);
    const mapping = await insertCodeMapping(deps.pool, {
      projectId: project.id,
      repositoryId: repo.id,
      stackRoot: body.stackRoot,
      sourceRoot: body.sourceRoot,
      defaultBranch: body.defaultBranch,
    });
    ctx.status = 201;
    ctx.body = serializeMapping(mapping);
  });

  router.delete('/projects/:org/:project/code-mappings/:id/', async (ctx) => {
    requireScope(ctx, 'project:write');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    if (!(await deleteCodeMapping(deps.pool, project.id, ctx.params.id!)))
      throw new NotFoundError('code-mapping-not-found', 'code mapping not found');
    ctx.status = 204;
  });

  router.get('/projects/:org/:project/events/:eventId/source-links/', async (ctx) => {
    requireScope(ctx, 'event:read');
    const { org, project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const row = await findEventById(deps, project.id, ctx.params.eventId!);
    const [mappings, heads] = await Promise.all([
      listCodeMappings(deps.pool, project.id),
      findReleaseHeads(deps.pool, org.id, row.release),
    ]);
    const body: ApiSourceLinks = { links: eventSourceLinks(row.payload, mappings, heads) };
    ctx.body = body;
  });
}

function serializeMapping(m: Awaited<ReturnType<typeof listCodeMappings>>[number]) {
  return {
    id: m.id,
    repoId: m.repositoryId,
    repoName: m.repositoryName,
    stackRoot: m.stackRoot,
    sourceRoot: m.sourceRoot,
    defaultBranch: m.defaultBranch,
  };
}
