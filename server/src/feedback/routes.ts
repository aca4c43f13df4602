// User feedback over the API (Sentry's names):
//   GET  /api/0/projects/{org}/{project}/user-feedback/    newest first, ?limit= (≤ 100)
//   POST /api/0/projects/{org}/{project}/user-feedback/    { event_id, name, email, comments } → 201
//   GET  /api/0/issues/{id}/user-reports/ (and under /organizations/{org}/)
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { apiState } from '../api/context.js';
import { requireIssueParam, requireProject, requireScope } from '../api/auth.js';
import { HttpError } from '../api/errors.js';
import { parseLimit } from '../api/pagination.js';
import type { ApiUserFeedback } from '../api/types.js';
import { parseUserReport } from '../shared/protocol/feedback.js';
import { linkPendingFeedback, listFeedback, MAX_FEEDBACK_LISTED, type FeedbackRow } from './queries.js';
import { storeFeedback } from './store.js';

export function serializeFeedback(r: FeedbackRow): ApiUserFeedback {
  return {
    id: r.id,
    eventID: r.eventId,
    name: r.name,
    email: r.email,
    comments: r.comments,
    url: r.url,
    source: r.source,
    environment: r.environment,
    release: r.release,
    dateCreated: r.createdAt.toISOString(),
    issue: r.issueId ? { id: r.issueId } : null,
    user: r.name || r.email ? { name: r.name, email: r.email } : null,
  };
}

export function registerFeedbackRoutes(router: ApiRouter, deps: Deps): void {
  const base = '/projects/:org/:project/user-feedback/';
  router.get(base, async (ctx) => {
    requireScope(ctx, 'event:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const db = apiState(ctx).db;
    await linkPendingFeedback(db, project.id);
    const rows = await listFeedback(db, {
      projectId: project.id,
      issueId: null,
      limit: parseLimit(ctx.query, 50, MAX_FEEDBACK_LISTED),
      before: null,
    });
    ctx.body = rows.map(serializeFeedback);
  });

  router.post(base, async (ctx) => {
    requireScope(ctx, 'event:write');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const parsed = parseUserReport(apiState(ctx).body ?? null, { receivedAt: Date.now(), source: 'api' });
    if ('problem' in parsed) {
      throw new HttpError(400, 'invalid-feedback', `${parsed.field}: ${parsed.problem}`, {
        details: { [parsed.field]: [parsed.problem] },
      });
    }
    const [row] = await storeFeedback(apiState(ctx).db, deps.config.scrub, [{ ...parsed, projectId: project.id }]);
    ctx.status = 201;
    ctx.body = serializeFeedback(row!);
  });

  const issueFeedback = async (ctx: Koa.Context) => {
    requireScope(ctx, 'event:read');
    const { issue } = await requireIssueParam(ctx);
    const db = apiState(ctx).db;
    await linkPendingFeedback(db, issue.projectId);
    const rows = await listFeedback(db, {
      projectId: issue.projectId,
      issueId: issue.id,
      limit: parseLimit(ctx.query, 50, MAX_FEEDBACK_LISTED),
      before: null,
    });
    ctx.body = rows.map(serializeFeedback);
  };
  router.get(['/issues/:issueId/user-reports/', '/organizations/:org/issues/:issueId/user-reports/'], issueFeedback);
}
