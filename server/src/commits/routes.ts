// Commit routes (Sentry's shapes): organization repositories (GET/POST .../repos/, what
// `set-commits --auto` matches the git remote against), a release's commits and changed files,
// `previous-with-commits` (so `--local` sends only what is new since the previous release), the
// commits a deploy brought, and an event's suspect commits (.../events/{id}/committers/).
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireOrg, requireProject, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { ConflictError, NotFoundError } from '../api/errors.js';
import { getRelease, requireReleaseScope } from '../releases/access.js';
import { findDeploy } from '../releases/deploy-queries.js';
import { findEventCommitters, type Committer } from './committers.js';
import { serializeRelease } from '../releases/serialize.js';
import {
  listReleaseCommitSummaries,
  findIssueFirstRelease,
  findPreviousDeployReleaseId,
  findPreviousReleaseWithCommits,
  insertRepository,
  listDeployCommits,
  listReleaseCommits,
  listRepositories,
} from './queries.js';
import { serializeCommit, serializeCommitFiles, serializeRepository } from './serialize.js';
import { registerCodeMappingRoutes } from './code-mapping-routes.js';
import { findEventById } from './event-lookup.js';

const repoSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[^\s]+$/, 'a repository name has no spaces (owner/name)'),
  url: z
    .string()
    .trim()
    .max(2048)
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .nullish(),
  provider: z.string().trim().max(64).nullish(),
});

/** GET …/events/{id}/committers/: the event's suspect commits, grouped by author (Sentry's shape). */
export interface ApiEventCommitters {
  committers: Committer[];
}

export function registerCommitRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/organizations/:org/repos/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    ctx.body = (await listRepositories(deps.pool, org.id)).map(serializeRepository);
  });

  router.post('/organizations/:org/repos/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const body = parseBody(ctx, repoSchema);
    const repo = await insertRepository(deps.pool, {
      organizationId: org.id,
      name: body.name,
      url: body.url ?? null,
      provider: body.provider ?? null,
    });
    if (!repo) throw new ConflictError('repository-exists', `a repository named ${body.name} already exists`);
    ctx.status = 201;
    ctx.body = serializeRepository(repo);
  });

  router.get('/organizations/:org/releases/:version/commits/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const release = await getRelease(deps, org.id, ctx.params.version!);
    ctx.body = (await listReleaseCommits(deps.pool, release.id)).map(serializeCommit);
  });

  router.get('/organizations/:org/releases/:version/commitfiles/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const release = await getRelease(deps, org.id, ctx.params.version!);
    ctx.body = serializeCommitFiles(await listReleaseCommits(deps.pool, release.id));
  });

  // `{}` (exactly) when there is no earlier release with commits: the CLI then sends its default count.
  router.get('/organizations/:org/releases/:version/previous-with-commits/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const release = await getRelease(deps, org.id, ctx.params.version!);
    const previous = await findPreviousReleaseWithCommits(deps.pool, release.id);
    if (!previous) {
      ctx.body = {};
      return;
    }
    const row = await getRelease(deps, org.id, previous.version); // a whole ReleaseInfo: the CLI parses it
    ctx.body = serializeRelease(row, (await listReleaseCommitSummaries(deps.pool, [row.id])).get(row.id));
  });

  router.get('/organizations/:org/releases/:version/deploys/:deployId/commits/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const release = await getRelease(deps, org.id, ctx.params.version!);
    const deployId = ctx.params.deployId!;
    const deploy = /^\d{1,19}$/.test(deployId)
      ? await findDeploy(deps.pool, { releaseId: release.id, deployId })
      : null;
    if (!deploy) throw new NotFoundError('deploy-not-found', 'deploy not found');
    const previous = await findPreviousDeployReleaseId(deps.pool, deploy);
    ctx.body = (
      await listDeployCommits(deps.pool, {
        releaseId: release.id,
        previousReleaseId: previous,
        projectIds: deploy.projectIds,
      })
    ).map(serializeCommit);
  });

  router.get('/projects/:org/:project/events/:eventId/committers/', async (ctx) => {
    requireScope(ctx, 'event:read');
    const { org, project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const row = await findEventById(deps, project.id, ctx.params.eventId!);
    const firstRelease = await findIssueFirstRelease(deps.pool, row.issueId);
    const committers = await findEventCommitters(deps.pool, {
      organizationId: org.id,
      projectId: project.id,
      version: firstRelease ?? row.release,
      environment: row.environment,
      payload: row.payload,
    });
    if (committers.length === 0)
      throw new NotFoundError(
        'no-committers',
        'no suspect commits for this event (no commits recorded for its release, or none touched its frames)',
      );
    const body: ApiEventCommitters = { committers };
    ctx.body = body;
  });

  registerCodeMappingRoutes(router, deps);
}
