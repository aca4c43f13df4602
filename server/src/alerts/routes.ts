// Alert rules and alert history:
//   GET/POST   /api/0/projects/{org}/{project}/alert-rules/
//   GET/PUT/DELETE .../alert-rules/{id}/         (PUT merges the given fields over the rule)
//   GET        .../alert-rules/{id}/history/     (this rule's firings and delivery attempts)
//   GET        .../alert-history/                (the project's, optionally ?issue=ID&rule=ID)
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import { apiState, type ApiRouter } from '../api/context.js';
import { requireCaller, requireProject, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { NotFoundError, HttpError } from '../api/errors.js';
import { firstValue, parseCursor, parseLimit, setLinkHeader, toPage } from '../api/pagination.js';
import { bumpRulesVersion } from './rule-cache.js';
import {
  deleteRule,
  findRule,
  insertRule,
  listHistory,
  listRulesOfProjects,
  updateRule,
  type HistoryRow,
} from './queries.js';
import { ruleAsBody, ruleBodySchema, serializeRule, toRuleInput } from './rule-schema.js';

type Params = { org?: string; project?: string; ruleId?: string };

export function registerAlertRoutes(router: ApiRouter, deps: Deps): void {
  const base = '/projects/:org/:project/alert-rules/';
  const project = async (ctx: Koa.Context, scope: 'alerts:read' | 'alerts:write') => {
    requireScope(ctx, scope);
    const p = params(ctx);
    return (await requireProject(ctx, p.org!, p.project!)).project;
  };
  const rule = async (ctx: Koa.Context, projectId: string) => {
    const id = params(ctx).ruleId!;
    const found = /^\d{1,18}$/.test(id) ? await findRule(deps.pool, projectId, id) : null;
    if (!found) throw new NotFoundError('alert-rule-not-found', 'alert rule not found');
    return found;
  };
  const changed = (projectId: string) => bumpRulesVersion(deps.redis, deps.config.redis.prefix, projectId);

  router.get(base, async (ctx) => {
    const p = await project(ctx, 'alerts:read');
    ctx.body = (await listRulesOfProjects(deps.pool, [p.id])).map(serializeRule);
  });

  router.post(base, async (ctx) => {
    const p = await project(ctx, 'alerts:write');
    const body = parseBody(ctx, ruleBodySchema);
    const created = await insertRule(deps.pool, p.id, toRuleInput(body, null), requireCaller(ctx).user.id);
    await changed(p.id);
    ctx.status = 201;
    ctx.body = serializeRule(created);
  });

  router.get(`${base}:ruleId/`, async (ctx) => {
    const p = await project(ctx, 'alerts:read');
    ctx.body = serializeRule(await rule(ctx, p.id));
  });

  router.put(`${base}:ruleId/`, async (ctx) => {
    const p = await project(ctx, 'alerts:write');
    const existing = await rule(ctx, p.id);
    const patch = apiState(ctx).body;
    if (patch !== undefined && (typeof patch !== 'object' || patch === null || Array.isArray(patch))) {
      throw new HttpError(400, 'invalid-request', 'the body must be a JSON object with the rule fields to change');
    }
    const body = ruleBodySchema.parse({ ...ruleAsBody(existing), ...(patch as object | undefined) });
    const updated = await updateRule(deps.pool, p.id, existing.id, toRuleInput(body, existing));
    if (!updated) throw new NotFoundError('alert-rule-not-found', 'alert rule not found');
    await changed(p.id);
    ctx.body = serializeRule(updated);
  });

  router.delete(`${base}:ruleId/`, async (ctx) => {
    const p = await project(ctx, 'alerts:write');
    const existing = await rule(ctx, p.id);
    await deleteRule(deps.pool, p.id, existing.id);
    await changed(p.id);
    ctx.status = 204;
  });

  router.get(`${base}:ruleId/history/`, async (ctx) => {
    const p = await project(ctx, 'alerts:read');
    const r = await rule(ctx, p.id);
    await answerHistory(ctx, deps, { projectId: p.id, ruleId: r.id });
  });

  router.get('/projects/:org/:project/alert-history/', async (ctx) => {
    const p = await project(ctx, 'alerts:read');
    const q = ctx.query as Record<string, string | string[] | undefined>;
    await answerHistory(ctx, deps, { projectId: p.id, ruleId: idParam(q, 'rule'), issueId: idParam(q, 'issue') });
  });
}

async function answerHistory(
  ctx: Koa.Context,
  deps: Deps,
  filter: { projectId: string; ruleId?: string; issueId?: string },
): Promise<void> {
  const query = ctx.query as Record<string, string | string[] | undefined>;
  const limit = parseLimit(query, 100, 500);
  const cursor = parseCursor(firstValue(query.cursor));
  if (cursor?.direction === 'prev')
    throw new HttpError(400, 'invalid-cursor', 'alert history pages forward only: follow the "next" link');
  const rows = await listHistory(deps.pool, { ...filter, beforeId: cursor?.id, limit: limit + 1 });
  const page = toPage<HistoryRow>(rows, limit, cursor, (r) => ({ key: r.id, id: r.id }));
  setLinkHeader(ctx, deps.config.http.baseUrl, page);
  ctx.body = page.items.map(({ projectId: _p, ...r }) => r);
}

function idParam(q: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = firstValue(q[name]);
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,18}$/.test(v)) throw new HttpError(400, 'invalid-parameter', `${name} must be a numeric id`);
  return v;
}

function params(ctx: Koa.Context): Params {
  return (ctx as Koa.Context & { params?: Params }).params ?? {};
}
