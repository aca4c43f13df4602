// Releases API for sentry-cli 2.x/3.x (protocol.md §8.2): `releases new` (201 created / 208
// already there), `finalize` and other updates (PUT, which also carries `set-commits`' commits
// or refs: stored in the same transaction), `list`, `info`, `delete`. Deploy routes are in
// deploys.ts, repositories and commit reads in ../commits/routes.ts.
import type Koa from 'koa';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireOrg, requireProject } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError } from '../api/errors.js';
import { firstValue, parseCursor, parseLimit, setLinkHeader, toPage } from '../api/pagination.js';
import { getRelease, releaseNotFound, requireReleaseScope } from './access.js';
import {
  deleteRelease,
  listProjectsByRef,
  listReleases,
  updateRelease,
  upsertRelease,
  type ReleaseRow,
} from './api-queries.js';
import { withTransaction } from '../db/tx.js';
import { commitFields, commitsFromBody } from '../commits/commit-input.js';
import { listReleaseCommitSummaries, replaceReleaseCommits } from '../commits/queries.js';
import { registerCommitRoutes } from '../commits/routes.js';
import { registerDeployRoutes } from './deploys.js';
import { serializeRelease } from './serialize.js';
import { listReleaseHealth, type HealthData } from '../sessions/release-health.js';

/** Sentry's release-name rules: no control whitespace, not `.`/`..`/`latest`, ≤ 200 chars. */
export const versionSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine(
    (v) => !/[\n\r\t\f\v]/.test(v) && !['.', '..', 'latest'].includes(v) && !v.includes('/'),
    'invalid release version',
  );

const date = z
  .union([z.string().datetime({ offset: true }), z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/)])
  .transform((s) => new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s}Z`));
const projectRefs = z.array(z.union([z.string(), z.number()]).transform(String));

const createSchema = z.object({
  version: versionSchema,
  projects: projectRefs.min(1),
  url: z.string().max(2048).nullish(),
  ref: z.string().max(200).nullish(),
  dateStarted: date.nullish(),
  dateReleased: date.nullish(),
});

const updateSchema = z.object({
  url: z.string().max(2048).nullish(),
  ref: z.string().max(200).nullish(),
  dateStarted: date.nullish(),
  dateReleased: date.nullish(),
  projects: projectRefs.optional(),
  ...commitFields, // set-commits (../commits/commit-input.ts)
  status: z.enum(['open', 'archived']).optional(),
});

export function registerReleaseRoutes(router: ApiRouter, deps: Deps): void {
  // `releases list` asks the project endpoint; the organization one takes ?project= filters.
  router.get('/organizations/:org/releases/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const refs = ([] as string[]).concat(ctx.query.project ?? []).filter((p) => p !== '' && p !== '-1');
    const projectIds = refs.length > 0 ? (await listProjectsByRef(deps.pool, org.id, refs)).map((p) => p.id) : null;
    await respondWithReleases(ctx, deps, org.id, projectIds);
  });

  router.get('/projects/:org/:project/releases/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org, project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    await respondWithReleases(ctx, deps, org.id, [project.id]);
  });

  router.post('/organizations/:org/releases/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const body = parseBody(ctx, createSchema);
    const projectIds = await resolveProjects(deps, org, body.projects);
    const { changed } = await upsertRelease(deps.pool, {
      organizationId: org.id,
      version: body.version,
      url: body.url ?? null,
      dateStarted: body.dateStarted ?? null,
      dateReleased: body.dateReleased ?? null,
      projectIds,
    });
    ctx.status = changed ? 201 : 208;
    ctx.body = await presentRelease(deps, await getRelease(deps, org.id, body.version));
  });

  router.get('/organizations/:org/releases/:version/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const release = await getRelease(deps, org.id, ctx.params.version!);
    ctx.body = await presentRelease(deps, release, await healthIfAsked(ctx, deps, [release]));
  });

  router.put('/organizations/:org/releases/:version/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const body = parseBody(ctx, updateSchema);
    const projectIds = body.projects ? await resolveProjects(deps, org, body.projects) : undefined;
    const commits = await commitsFromBody(deps.pool, org.id, body); // validated before anything is written
    await withTransaction(deps.pool, async (tx) => {
      const found = await updateRelease(tx, {
        organizationId: org.id,
        version: ctx.params.version!,
        url: body.url,
        dateReleased: body.dateReleased,
        dateStarted: body.dateStarted,
        projectIds,
      });
      if (!found) throw releaseNotFound();
      if (commits) await replaceReleaseCommits(tx, { organizationId: org.id, releaseId: found, commits });
    });
    ctx.body = await presentRelease(deps, await getRelease(deps, org.id, ctx.params.version!));
  });

  router.delete('/organizations/:org/releases/:version/', async (ctx) => {
    requireReleaseScope(ctx);
    const { org } = await requireOrg(ctx, ctx.params.org!);
    if (!(await deleteRelease(deps.pool, org.id, ctx.params.version!))) throw releaseNotFound();
    ctx.status = 204;
  });

  registerCommitRoutes(router, deps);
  registerDeployRoutes(router, deps);
}

async function respondWithReleases(
  ctx: Koa.Context,
  deps: Deps,
  organizationId: string,
  projectIds: string[] | null,
): Promise<void> {
  const limit = parseLimit(ctx.query, 100, 1000);
  const cursor = parseCursor(firstValue(ctx.query.cursor));
  const after = cursor?.direction === 'next' ? cursor : null; // lists page forwards only
  const rows = await listReleases(deps.pool, {
    organizationId,
    projectIds,
    query: firstValue(ctx.query.query) || null,
    limit: limit + 1,
    before: after ? { micros: after.key, id: after.id } : null,
  });
  const page = toPage(rows, limit, after, (r) => ({ key: r.createdMicros, id: r.id }));
  setLinkHeader(ctx, deps.config.http.baseUrl, page);
  const health = await healthIfAsked(ctx, deps, page.items);
  const summaries = await listReleaseCommitSummaries(
    deps.pool,
    page.items.map((r) => r.id),
  );
  ctx.body = page.items.map((r) => serializeRelease(r, summaries.get(r.id), health));
}

async function presentRelease(deps: Deps, r: ReleaseRow, health?: Map<string, HealthData>) {
  return serializeRelease(r, (await listReleaseCommitSummaries(deps.pool, [r.id])).get(r.id), health);
}

/** Sentry computes healthData only when asked (`?health=1`): it costs a few aggregate queries. */
async function healthIfAsked(
  ctx: Koa.Context,
  deps: Deps,
  releases: ReleaseRow[],
): Promise<Map<string, HealthData> | undefined> {
  if (firstValue(ctx.query.health) !== '1') return undefined;
  const versions = releases.map((r) => r.version);
  const projectIds = [...new Set(releases.flatMap((r) => r.projects.map((p) => p.id)))];
  return listReleaseHealth(deps.pool, { versions, projectIds, now: new Date() });
}

async function resolveProjects(deps: Deps, org: { id: string; slug: string }, refs: string[]): Promise<string[]> {
  const found = await listProjectsByRef(deps.pool, org.id, refs);
  const unknown = refs.filter((r) => !found.some((p) => p.slug === r || p.id === r));
  if (unknown.length > 0)
    throw new HttpError(
      400,
      'unknown-project',
      `invalid project slugs: ${unknown.join(', ')} (not in organization ${org.slug})`,
    );
  return found.map((p) => p.id);
}
