// Cron monitors over the API (Sentry's monitor endpoints):
//   GET    /api/0/organizations/{org}/monitors/                  ?project= (id or slug, repeatable)
//   POST   /api/0/organizations/{org}/monitors/                  { project, name, slug?, config } → 201
//   GET    /api/0/organizations/{org}/monitors/{slug}/
//   PUT    /api/0/organizations/{org}/monitors/{slug}/           { name?, isMuted?, config? }
//   DELETE /api/0/organizations/{org}/monitors/{slug}/
//   GET    /api/0/organizations/{org}/monitors/{slug}/checkins/  newest first, ?environment=, ?limit= (≤ 500)
// Check-ins themselves arrive through ingest (`check_in` envelope items).
import type Koa from 'koa';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { apiState } from '../api/context.js';
import { requireOrg, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { ConflictError, HttpError, NotFoundError } from '../api/errors.js';
import { firstValue, parseLimit } from '../api/pagination.js';
import type { ApiMonitor, ApiMonitorCheckIn } from '../api/types.js';
import { findProjectBySlug } from '../projects/queries.js';
import { MAX_SLUG_CHARS, monitorConfigSchema, slugify, toMonitorConfig, type MonitorConfig } from './check-in.js';
import {
  deleteMonitor,
  findMonitor,
  listCheckIns,
  listMonitorEnvironments,
  listMonitors,
  MAX_CHECKINS_LISTED,
  updateMonitor,
  upsertMonitor,
  type CheckInRow,
  type MonitorEnvironmentRow,
  type MonitorRow,
} from './queries.js';

const createSchema = z.object({
  project: z.union([z.string().min(1).max(100), z.number().int()]).transform(String),
  name: z.string().trim().min(1).max(128),
  slug: z
    .string()
    .max(MAX_SLUG_CHARS * 4)
    .optional(),
  config: monitorConfigSchema,
});
const updateSchema = z.object({
  name: z.string().trim().min(1).max(128).optional(),
  isMuted: z.boolean().optional(),
  config: monitorConfigSchema.optional(),
});

export function serializeMonitor(m: MonitorRow & { projectSlug: string }, envs: MonitorEnvironmentRow[]): ApiMonitor {
  const s = m.schedule;
  return {
    id: m.id,
    slug: m.slug,
    name: m.name,
    status: 'active',
    isMuted: m.isMuted,
    dateCreated: m.createdAt.toISOString(),
    project: { id: m.projectId, slug: m.projectSlug },
    config: {
      schedule_type: s.type,
      schedule: s.type === 'crontab' ? s.value : [s.value, s.unit],
      checkin_margin: m.checkinMarginMinutes,
      max_runtime: m.maxRuntimeMinutes,
      timezone: s.timezone,
      failure_issue_threshold: m.failureIssueThreshold,
      recovery_threshold: m.recoveryThreshold,
    },
    environments: envs
      .filter((e) => e.monitorId === m.id)
      .map((e) => ({
        name: e.environment,
        status: e.status,
        isFailing: e.isFailing,
        lastCheckIn: e.lastCheckinAt?.toISOString() ?? null,
        nextCheckIn: e.nextCheckinAt?.toISOString() ?? null,
        nextCheckInLatest: e.nextCheckinLatest?.toISOString() ?? null,
      })),
  };
}

export function serializeCheckIn(c: CheckInRow): ApiMonitorCheckIn {
  return {
    id: c.checkInId,
    environment: c.environment,
    status: c.status,
    duration: c.durationMs,
    dateCreated: c.createdAt.toISOString(),
    dateUpdated: c.updatedAt.toISOString(),
    expectedTime: c.expectedAt?.toISOString() ?? null,
  };
}

function configOrThrow(input: z.infer<typeof monitorConfigSchema>): MonitorConfig {
  const c = toMonitorConfig(input);
  if ('problem' in c)
    throw new HttpError(400, 'invalid-monitor-config', `config.${c.field}: ${c.problem}`, {
      details: { config: { [c.field]: [c.problem] } },
    });
  return c;
}

export function registerMonitorRoutes(router: ApiRouter, _deps: Deps): void {
  const base = '/organizations/:org/monitors/';
  const withProjectSlug = async (ctx: Koa.Context, m: MonitorRow) => {
    const { rows } = await apiState(ctx).db.query<{ slug: string }>('SELECT slug FROM projects WHERE id = $1', [
      m.projectId,
    ]);
    return { ...m, projectSlug: rows[0]?.slug ?? '' };
  };
  const requireMonitor = async (ctx: Koa.Context) => {
    const access = await requireOrg(ctx, ctx.params.org!);
    const monitor = await findMonitor(apiState(ctx).db, access.org.id, slugify(String(ctx.params.slug ?? '')));
    if (!monitor) throw new NotFoundError('monitor-not-found', 'monitor not found');
    return { ...access, monitor };
  };
  const present = async (ctx: Koa.Context, m: MonitorRow) =>
    serializeMonitor(await withProjectSlug(ctx, m), await listMonitorEnvironments(apiState(ctx).db, [m.id]));

  router.get(base, async (ctx) => {
    requireScope(ctx, 'project:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const db = apiState(ctx).db;
    const refs = ([] as string[]).concat(ctx.query.project ?? []).slice(0, 100);
    let projectIds: string[] | null = null;
    if (refs.length > 0) {
      projectIds = [];
      for (const ref of refs) {
        if (/^\d{1,18}$/.test(ref)) projectIds.push(ref);
        else {
          const p = await findProjectBySlug(db, org.id, ref);
          if (p) projectIds.push(p.id);
        }
      }
    }
    const monitors = await listMonitors(db, org.id, projectIds);
    const envs = await listMonitorEnvironments(
      db,
      monitors.map((m) => m.id),
    );
    ctx.body = monitors.map((m) => serializeMonitor(m, envs));
  });

  router.post(base, async (ctx) => {
    requireScope(ctx, 'project:write');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const body = parseBody(ctx, createSchema);
    const config = configOrThrow(body.config);
    const db = apiState(ctx).db;
    const project = /^\d{1,18}$/.test(body.project)
      ? (
          await db.query<{ id: string; slug: string }>(
            'SELECT id, slug FROM projects WHERE id = $1 AND organization_id = $2',
            [body.project, org.id],
          )
        ).rows[0]
      : await findProjectBySlug(db, org.id, body.project);
    if (!project)
      throw new HttpError(400, 'invalid-project', `project: no project "${body.project}" in this organization`);
    const slug = slugify(body.slug ?? body.name);
    if (slug === '') throw new HttpError(400, 'invalid-slug', 'slug: needs letters or digits');
    if (await findMonitor(db, org.id, slug))
      throw new ConflictError('monitor-exists', `a monitor with the slug "${slug}" already exists`);
    const monitor = await upsertMonitor(db, {
      organizationId: org.id,
      projectId: project.id,
      slug,
      name: body.name,
      config,
    });
    ctx.status = 201;
    ctx.body = await present(ctx, monitor);
  });

  router.get(`${base}:slug/`, async (ctx) => {
    requireScope(ctx, 'project:read');
    const { monitor } = await requireMonitor(ctx);
    ctx.body = await present(ctx, monitor);
  });

  router.put(`${base}:slug/`, async (ctx) => {
    requireScope(ctx, 'project:write');
    const { monitor } = await requireMonitor(ctx);
    const body = parseBody(ctx, updateSchema);
    const config = body.config
      ? configOrThrow(body.config)
      : {
          schedule: monitor.schedule,
          checkinMarginMinutes: monitor.checkinMarginMinutes,
          maxRuntimeMinutes: monitor.maxRuntimeMinutes,
          failureIssueThreshold: monitor.failureIssueThreshold,
          recoveryThreshold: monitor.recoveryThreshold,
        };
    const updated = await updateMonitor(apiState(ctx).db, monitor.id, {
      name: body.name ?? monitor.name,
      isMuted: body.isMuted ?? monitor.isMuted,
      config,
    });
    ctx.body = await present(ctx, updated);
  });

  router.delete(`${base}:slug/`, async (ctx) => {
    requireScope(ctx, 'project:write');
    const { monitor } = await requireMonitor(ctx);
    await deleteMonitor(apiState(ctx).db, monitor.id);
    ctx.status = 204;
  });

  router.get(`${base}:slug/checkins/`, async (ctx) => {
    requireScope(ctx, 'project:read');
    const { monitor } = await requireMonitor(ctx);
    const environment = firstValue(ctx.query.environment)?.slice(0, 64) ?? null;
    const rows = await listCheckIns(apiState(ctx).db, {
      monitorId: monitor.id,
      environment,
      limit: parseLimit(ctx.query, 50, MAX_CHECKINS_LISTED),
      before: null,
    });
    ctx.body = rows.map(serializeCheckIn);
  });
}
