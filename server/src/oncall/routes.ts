// On-call schedule of a project:
//   GET    /api/0/projects/{org}/{project}/oncall/          schedule, upcoming overrides, who is on
//                                                          call now and next (?at=ISO asks for another instant)
//   PUT    .../oncall/                                      set the schedule (members by user id or email)
//   DELETE .../oncall/                                      remove the schedule
//   POST   .../oncall/overrides/   DELETE .../oncall/overrides/{id}/
import type Koa from 'koa';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireProject, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import { firstValue } from '../api/pagination.js';
import {
  deleteOverride,
  deleteSchedule,
  findUsers,
  insertOverride,
  listOverrides,
  resolveMembers,
  upsertSchedule,
} from './queries.js';
import { findOnCall } from './resolve.js';
import { isValidTimeZone, parseLocalDate } from './zoned-time.js';

const MAX_OVERRIDE_MS = 366 * 24 * 3600_000;

const scheduleSchema = z.object({
  members: z.array(z.string().trim().min(1).max(320)).min(1).max(100),
  rotation: z.object({ length: z.number().int().min(1).max(366), unit: z.enum(['days', 'weeks']) }),
  handoffTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (24-hour)'),
  timeZone: z.string().refine(isValidTimeZone, 'unknown IANA time zone (e.g. Europe/Berlin)'),
  startDate: z.string().refine((d) => parseLocalDate(d) !== null, 'use YYYY-MM-DD'),
});

const overrideSchema = z
  .object({
    user: z.string().trim().min(1).max(320),
    start: z.string().datetime({ offset: true }),
    end: z.string().datetime({ offset: true }),
  })
  .refine((o) => Date.parse(o.end) > Date.parse(o.start), { message: 'end must be after start', path: ['end'] })
  .refine((o) => Date.parse(o.end) - Date.parse(o.start) <= MAX_OVERRIDE_MS, {
    message: 'an override lasts a year at most',
    path: ['end'],
  });

export function registerOncallRoutes(router: ApiRouter, deps: Deps): void {
  const base = '/projects/:org/:project/oncall/';
  const project = async (ctx: Koa.Context, scope: 'alerts:read' | 'alerts:write') => {
    requireScope(ctx, scope);
    const p = (ctx as Koa.Context & { params: Record<string, string> }).params;
    return (await requireProject(ctx, p.org!, p.project!)).project;
  };

  router.get(base, async (ctx) => {
    const p = await project(ctx, 'alerts:read');
    const at = firstValue((ctx.query as Record<string, string | string[] | undefined>).at);
    const now = at === undefined ? Date.now() : Date.parse(at);
    if (Number.isNaN(now)) throw new HttpError(400, 'invalid-parameter', 'at must be an ISO 8601 date-time');
    ctx.body = await describe(deps, p.id, now);
  });

  router.put(base, async (ctx) => {
    const p = await project(ctx, 'alerts:write');
    const body = parseBody(ctx, scheduleSchema);
    const ids = await membersOrThrow(deps, p.id, body.members);
    await upsertSchedule(deps.pool, p.id, {
      memberIds: ids,
      rotationLength: body.rotation.length,
      rotationUnit: body.rotation.unit,
      handoffTime: body.handoffTime,
      timeZone: body.timeZone,
      startDate: body.startDate,
    });
    ctx.body = await describe(deps, p.id, Date.now());
  });

  router.delete(base, async (ctx) => {
    const p = await project(ctx, 'alerts:write');
    if (!(await deleteSchedule(deps.pool, p.id)))
      throw new NotFoundError('oncall-schedule-not-found', 'this project has no on-call schedule');
    ctx.status = 204;
  });

  router.post(`${base}overrides/`, async (ctx) => {
    const p = await project(ctx, 'alerts:write');
    const body = parseBody(ctx, overrideSchema);
    const [userId] = await membersOrThrow(deps, p.id, [body.user]);
    const created = await insertOverride(deps.pool, p.id, {
      userId: userId!,
      start: Date.parse(body.start),
      end: Date.parse(body.end),
    });
    ctx.status = 201;
    ctx.body = await serializeOverrides(deps, [created]).then((o) => o[0]);
  });

  router.delete(`${base}overrides/:overrideId/`, async (ctx) => {
    const p = await project(ctx, 'alerts:write');
    const id = (ctx as Koa.Context & { params: Record<string, string> }).params.overrideId!;
    if (!/^\d{1,18}$/.test(id) || !(await deleteOverride(deps.pool, p.id, id)))
      throw new NotFoundError('oncall-override-not-found', 'override not found');
    ctx.status = 204;
  });
}

async function membersOrThrow(deps: Deps, projectId: string, refs: string[]): Promise<string[]> {
  const resolved = await resolveMembers(deps.pool, projectId, refs);
  const missing = refs.filter((r) => !resolved.has(r.toLowerCase()));
  if (missing.length > 0) {
    throw new HttpError(
      400,
      'unknown-member',
      `not members of this project's organization: ${missing.join(', ')} (use user ids or email addresses of members)`,
    );
  }
  return refs.map((r) => resolved.get(r.toLowerCase())!);
}

async function describe(deps: Deps, projectId: string, now: number) {
  const { schedule, current, next } = await findOnCall(deps.pool, projectId, now);
  const members = await findUsers(deps.pool, schedule?.memberIds ?? []);
  const overrides = await listOverrides(deps.pool, projectId, new Date(now));
  return {
    schedule: schedule && {
      members: schedule.memberIds.map((id) => members.get(id) ?? { id, email: '', name: '(deactivated user)' }),
      rotation: { length: schedule.rotationLength, unit: schedule.rotationUnit },
      handoffTime: schedule.handoffTime,
      timeZone: schedule.timeZone,
      startDate: schedule.startDate,
      dateUpdated: schedule.dateUpdated,
    },
    overrides: await serializeOverrides(deps, overrides),
    at: new Date(now).toISOString(),
    now: current,
    next,
  };
}

async function serializeOverrides(deps: Deps, list: Array<{ id: string; userId: string; start: number; end: number }>) {
  const users = await findUsers(deps.pool, [...new Set(list.map((o) => o.userId))]);
  return list.map((o) => ({
    id: o.id,
    user: users.get(o.userId) ?? { id: o.userId, email: '', name: '(deactivated user)' },
    start: new Date(o.start).toISOString(),
    end: new Date(o.end).toISOString(),
  }));
}
