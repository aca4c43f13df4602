// Deploy routes: `sentry-cli deploys new` / `releases deploys VERSION new` (POST, 201), `deploys
// list` (GET), and the deploy-health verdict of one deploy (health.ts), which the UI polls while
// the deploy is young. A recorded deploy is announced on the organization's live stream.
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireOrg } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import { listProjectsByRef } from './api-queries.js';
import { findDeploy, insertDeploy, listDeploys, type DeployRow } from './deploy-queries.js';
import { computeDeployHealth, type HealthReport, type RequestCountSource } from './health.js';
import { getRelease, requireReleaseScope } from './access.js';
import { serializeDeploy, type ApiDeploy } from './serialize.js';
import { publishDeploy } from '../realtime/publish.js';
import { isBigintId } from '../db/ids.js';

const date = z
  .string()
  .datetime({ offset: true })
  .transform((s) => new Date(s));

const createSchema = z.object({
  environment: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine((e) => !/[\n\r\t/]/.test(e), 'invalid environment name'),
  name: z.string().max(64).nullish(),
  url: z.string().max(2048).nullish(),
  dateStarted: date.nullish(),
  dateFinished: date.nullish(),
  projects: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
});

/** GET …/deploys/{id}/health/: the verdict with its evidence, and the deploy it judges. */
export type ApiDeployHealth = HealthReport & { deploy: ApiDeploy };

export function registerDeployRoutes(
  router: ApiRouter,
  deps: Deps,
  opts: { requests?: RequestCountSource } = {},
): void {
  router.get('/organizations/:org/releases/:version/deploys/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const release = await getRelease(deps, org.id, ctx.params.version!);
    ctx.body = (await listDeploys(deps.pool, release.id)).map(serializeDeploy);
  });

  router.post('/organizations/:org/releases/:version/deploys/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const release = await getRelease(deps, org.id, ctx.params.version!);
    const body = parseBody(ctx, createSchema);
    let projectIds: string[] | null = null;
    if (body.projects && body.projects.length > 0) {
      const found = await listProjectsByRef(deps.pool, org.id, body.projects);
      const unknown = body.projects.filter((r) => !found.some((p) => p.slug === r || p.id === r));
      if (unknown.length > 0)
        throw new HttpError(400, 'unknown-project', `invalid project slugs: ${unknown.join(', ')}`);
      projectIds = found.map((p) => p.id);
    }
    const deploy = await insertDeploy(deps.pool, {
      releaseId: release.id,
      environment: body.environment,
      name: body.name ?? null,
      url: body.url ?? null,
      dateStarted: body.dateStarted ?? null,
      dateFinished: body.dateFinished ?? null,
      projectIds,
    });
    await announceDeploy(deps, org.id, deploy);
    ctx.status = 201;
    ctx.body = serializeDeploy(deploy);
  });

  router.get('/organizations/:org/releases/:version/deploys/:deployId/health/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const release = await getRelease(deps, org.id, ctx.params.version!);
    const deployId = ctx.params.deployId!;
    const deploy = isBigintId(deployId) ? await findDeploy(deps.pool, { releaseId: release.id, deployId }) : null;
    if (!deploy) throw new NotFoundError('deploy-not-found', 'deploy not found');
    const report = await computeDeployHealth(deps.pool, deploy, new Date(), { requests: opts.requests });
    const body: ApiDeployHealth = { ...report, deploy: serializeDeploy(deploy) };
    ctx.body = body;
  });
}

/** Publishes the deploy marker after the insert committed; a Redis failure is logged, never the request's. */
async function announceDeploy(deps: Deps, organizationId: string, d: DeployRow): Promise<void> {
  try {
    const projects = await listProjectsByRef(deps.pool, organizationId, d.projectIds);
    await publishDeploy({ redis: deps.redis, config: deps.config }, organizationId, {
      id: d.id,
      release: d.version,
      environment: d.environment,
      name: d.name,
      url: d.url,
      dateStarted: d.dateStarted,
      dateFinished: d.dateFinished,
      projects: projects.map((p) => p.slug),
    });
  } catch (err) {
    deps.log.warn(
      { err, deployId: d.id, component: 'releases.deploys' },
      'deploy marker not published to the live stream',
    );
  }
}
