// Teams (Sentry's URLs): list/create under the organization, delete, list members, and add or
// remove a member (`/organizations/{org}/members/{user id or e-mail}/teams/{team}/`). Creating,
// deleting and changing membership needs the owner or admin role.
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireOrg, requireRole, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { ConflictError, NotFoundError } from '../api/errors.js';
import {
  addTeamMember,
  deleteTeam,
  findMembersByEmails,
  findTeam,
  insertTeam,
  listTeamMembers,
  listTeams,
  removeTeamMember,
  type TeamRow,
} from './queries.js';
import { findMember } from '../members/queries.js';

const slug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, 'letters, digits, - and _ (at most 50)');
const teamSchema = z
  .object({ slug: slug.optional(), name: z.string().trim().min(1).max(100) })
  .transform((t) => ({
    name: t.name,
    slug:
      t.slug ??
      t.name
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 50),
  }))
  .refine((t) => /^[a-z0-9][a-z0-9_-]{0,49}$/.test(t.slug), {
    message: 'give the team a slug of letters, digits, - and _',
    path: ['slug'],
  });

export function registerTeamRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/organizations/:org/teams/', async (ctx) => {
    requireScope(ctx, 'team:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const teams = await listTeams(deps.pool, org.id);
    const members = await listTeamMembers(
      deps.pool,
      teams.map((t) => t.id),
    );
    ctx.body = teams.map((t): ApiTeam => ({
      ...serializeTeam(t),
      members: members.filter((m) => m.teamId === t.id).map(({ id, email, name }) => ({ id, email, name })),
    }));
  });

  router.post('/organizations/:org/teams/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const { org } = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    const body = parseBody(ctx, teamSchema);
    const team = await insertTeam(deps.pool, { organizationId: org.id, slug: body.slug, name: body.name });
    if (!team) throw new ConflictError('team-exists', `a team with the slug ${body.slug} already exists`);
    ctx.status = 201;
    ctx.body = serializeTeam(team);
  });

  router.delete('/teams/:org/:team/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const { org } = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    if (!(await deleteTeam(deps.pool, org.id, ctx.params.team!))) throw teamNotFound();
    ctx.status = 204;
  });

  router.get('/teams/:org/:team/members/', async (ctx) => {
    requireScope(ctx, 'team:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const team = await findTeam(deps.pool, org.id, ctx.params.team!);
    if (!team) throw teamNotFound();
    ctx.body = (await listTeamMembers(deps.pool, [team.id])).map(({ id, email, name }) => ({ id, email, name }));
  });

  for (const method of ['post', 'delete'] as const) {
    router[method]('/organizations/:org/members/:member/teams/:team/', async (ctx) => {
      requireScope(ctx, 'org:write');
      const { org } = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
      const team = await findTeam(deps.pool, org.id, ctx.params.team!);
      if (!team) throw teamNotFound();
      const ref = ctx.params.member!;
      const member = ref.includes('@')
        ? (await findMembersByEmails(deps.pool, org.id, [ref])).get(ref.toLowerCase())
        : await findMember(deps.pool, org.id, ref).then((m) => m && { id: m.userId });
      if (!member) throw new NotFoundError('member-not-found', 'member not found');
      if (method === 'post') await addTeamMember(deps.pool, team.id, member.id);
      else if (!(await removeTeamMember(deps.pool, team.id, member.id)))
        throw new NotFoundError('member-not-found', 'not a member of this team');
      ctx.status = method === 'post' ? 201 : 204;
      if (method === 'post') ctx.body = serializeTeam((await findTeam(deps.pool, org.id, team.slug))!);
    });
  }
}

function teamNotFound(): NotFoundError {
  return new NotFoundError('team-not-found', 'team not found');
}

/** A team as the teams API serves it; the organization's list also names its members. */
export interface ApiTeam {
  id: string;
  slug: string;
  name: string;
  memberCount: number;
  dateCreated: string;
  members?: Array<{ id: string; email: string; name: string }>;
}

function serializeTeam(t: TeamRow): ApiTeam {
  return { id: t.id, slug: t.slug, name: t.name, memberCount: t.memberCount, dateCreated: t.createdAt.toISOString() };
}
