// Ownership API in Sentry's shapes: GET/PUT .../projects/{org}/{project}/ownership/ (raw rules,
// fallthrough, autoAssignment), POST .../codeowners/ (import a CODEOWNERS text as rules) and
// GET .../events/{id}/owners/. Rules are validated whole (syntax, owners that exist) before
// they are saved; a 400 names the line.
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireProject, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError } from '../api/errors.js';
import { findEventById } from '../commits/event-lookup.js';
import { convertCodeowners } from './codeowners.js';
import { findEventOwners, type ResolvedOwner } from './owners.js';
import {
  findMembersByEmails,
  listOwnerships,
  listTeamsBySlug,
  upsertOwnership,
  type AutoAssignment,
  type OwnershipRow,
} from './queries.js';
import { MAX_RAW_CHARS, parseRules, type OwnershipRule, type RuleError } from './rules.js';
import { registerTeamRoutes } from './team-routes.js';

const AUTO = ['Auto Assign to Issue Owner', 'Auto Assign to Suspect Commits', 'Turn off Auto-Assignment'] as const;
const ownershipSchema = z.object({
  raw: z.string().max(MAX_RAW_CHARS).optional(),
  fallthrough: z.boolean().optional(),
  autoAssignment: z.enum(AUTO).optional(),
});
const codeownersSchema = z.object({
  raw: z.string().min(1).max(MAX_RAW_CHARS),
  associations: z.record(z.string().max(200), z.string().trim().email().max(320)).default({}),
});

export function registerOwnershipRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/projects/:org/:project/ownership/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    ctx.body = serializeOwnership((await listOwnerships(deps.pool, [project.id])).get(project.id)!);
  });

  router.put('/projects/:org/:project/ownership/', async (ctx) => {
    requireScope(ctx, 'project:write');
    const { org, project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const body = parseBody(ctx, ownershipSchema);
    const current = (await listOwnerships(deps.pool, [project.id])).get(project.id)!;
    const raw = body.raw ?? current.raw;
    await validateRules(deps, org.id, raw, 'raw');
    await upsertOwnership(deps.pool, {
      projectId: project.id,
      raw,
      fallthrough: body.fallthrough ?? current.fallthrough,
      autoAssignment: body.autoAssignment ?? current.autoAssignment,
    });
    ctx.body = serializeOwnership((await listOwnerships(deps.pool, [project.id])).get(project.id)!);
  });

  // CODEOWNERS import: converted rules are appended after the existing ones (so they win ties).
  router.post('/projects/:org/:project/codeowners/', async (ctx) => {
    requireScope(ctx, 'project:write');
    const { org, project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const body = parseBody(ctx, codeownersSchema);
    const converted = convertCodeowners(body.raw, body.associations);
    if (converted.errors.length > 0) throw rulesError('raw', converted.errors);
    await validateRules(deps, org.id, converted.raw, 'raw');
    const current = (await listOwnerships(deps.pool, [project.id])).get(project.id)!;
    const raw = [current.raw.trimEnd(), converted.raw].filter(Boolean).join('\n');
    if (raw.length > MAX_RAW_CHARS)
      throw new HttpError(400, 'invalid-rules', `raw: the rules would exceed ${MAX_RAW_CHARS} characters`);
    await upsertOwnership(deps.pool, {
      projectId: project.id,
      raw,
      fallthrough: current.fallthrough,
      autoAssignment: current.autoAssignment,
    });
    ctx.status = 201;
    ctx.body = {
      ...serializeOwnership((await listOwnerships(deps.pool, [project.id])).get(project.id)!),
      imported: converted.raw,
    };
  });

  router.get('/projects/:org/:project/events/:eventId/owners/', async (ctx) => {
    requireScope(ctx, 'event:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    const row = await findEventById(deps, project.id, ctx.params.eventId!);
    const ownership = (await listOwnerships(deps.pool, [project.id])).get(project.id)!;
    const found = await findEventOwners(deps.pool, ownership, row.payload);
    const rules = found.rules.map(serializeRule);
    ctx.body = { owners: found.owners.map(serializeOwner), rule: rules[0]?.matcher ?? null, rules };
  });

  registerTeamRoutes(router, deps);
}

/** Syntax first, then owners: every e-mail a member, every #team a team of the organization. */
async function validateRules(deps: Deps, organizationId: string, raw: string, field: string): Promise<void> {
  const { rules, errors } = parseRules(raw);
  if (errors.length > 0) throw rulesError(field, errors);
  const emails = [...new Set(rules.flatMap((r) => r.owners.flatMap((o) => (o.type === 'user' ? [o.email] : []))))];
  const slugs = [...new Set(rules.flatMap((r) => r.owners.flatMap((o) => (o.type === 'team' ? [o.slug] : []))))];
  const [members, teams] = await Promise.all([
    findMembersByEmails(deps.pool, organizationId, emails),
    listTeamsBySlug(deps.pool, organizationId, slugs),
  ]);
  const unknown: RuleError[] = [];
  for (const r of rules) {
    for (const o of r.owners) {
      if (o.type === 'user' && !members.has(o.email))
        unknown.push({ line: r.line, message: `${o.email} is not a member of this organization` });
      if (o.type === 'team' && !teams.has(o.slug))
        unknown.push({ line: r.line, message: `#${o.slug} is not a team of this organization` });
    }
  }
  if (unknown.length > 0) throw rulesError(field, unknown);
}

function rulesError(field: string, errors: RuleError[]): HttpError {
  const first = errors
    .slice(0, 5)
    .map((e) => `line ${e.line}: ${e.message}`)
    .join('; ');
  return new HttpError(400, 'invalid-rules', `${field}: ${first}`, { details: { [field]: errors } });
}

/** A project's ownership rules as GET/PUT …/ownership/ serve them (Sentry's ProjectOwnership). */
export interface ApiOwnership {
  raw: string;
  fallthrough: boolean;
  autoAssignment: AutoAssignment;
  isActive: true;
  dateCreated: string | null;
  lastUpdated: string | null;
}

function serializeOwnership(o: OwnershipRow): ApiOwnership {
  return {
    raw: o.raw,
    fallthrough: o.fallthrough,
    autoAssignment: o.autoAssignment,
    isActive: true,
    dateCreated: o.createdAt ? o.createdAt.toISOString() : null,
    lastUpdated: o.updatedAt ? o.updatedAt.toISOString() : null,
  };
}

export function serializeOwner(o: ResolvedOwner) {
  return o.type === 'user'
    ? { type: 'user' as const, id: o.id, name: o.name, email: o.email }
    : { type: 'team' as const, id: o.id, name: o.slug };
}

function serializeRule(r: OwnershipRule) {
  return {
    line: r.line,
    matcher: r.matcher,
    type: r.type,
    pattern: r.pattern,
    owners: r.owners.map((o) => (o.type === 'user' ? o.email : `#${o.slug}`)),
  };
}
