// Dead letters of a project: queued items that failed processing WORKER_MAX_ATTEMPTS times
// (or were invalid) and now wait for a human.
//   GET    /api/0/projects/{org}/{project}/dead-letters/            newest first, ?limit= (≤ 500)
//   POST   /api/0/projects/{org}/{project}/dead-letters/{id}/retry/ queue it again (after a fix)
//   DELETE /api/0/projects/{org}/{project}/dead-letters/{id}/       discard it
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireProject, requireRole, requireScope } from '../api/auth.js';
import { NotFoundError } from '../api/errors.js';
import { findDeadLetterJob, listDeadLetters, toDeadLetter } from './queries.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

export function registerDeadLetterRoutes(router: ApiRouter, deps: Deps): void {
  const base = '/projects/:org/:project/dead-letters/';
  const job = async (ctx: Koa.Context, projectId: string) => {
    const id = (ctx.params as Record<string, string | undefined>).jobId ?? '';
    const found = /^[\w:.-]{1,200}$/.test(id) ? await findDeadLetterJob(deps.queue, projectId, id) : null;
    if (!found) throw new NotFoundError('dead-letter-not-found', 'dead letter not found');
    return found;
  };

  router.get(base, async (ctx) => {
    requireScope(ctx, 'project:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const limit = Math.min(MAX_LIMIT, Math.max(1, Number(ctx.query.limit) || DEFAULT_LIMIT));
    ctx.body = await listDeadLetters(deps.queue, project.id, limit);
  });

  router.post(`${base}:jobId/retry/`, async (ctx) => {
    requireScope(ctx, 'project:write');
    const { project } = requireRole(await requireProject(ctx, ctx.params.org!, ctx.params.project!), 'owner', 'admin');
    const found = await job(ctx, project.id);
    const letter = toDeadLetter(found);
    await found.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    ctx.status = 202;
    ctx.body = { ...letter, status: 'queued' };
  });

  router.delete(`${base}:jobId/`, async (ctx) => {
    requireScope(ctx, 'project:write');
    const { project } = requireRole(await requireProject(ctx, ctx.params.org!, ctx.params.project!), 'owner', 'admin');
    await (await job(ctx, project.id)).remove();
    ctx.status = 204;
  });
}
