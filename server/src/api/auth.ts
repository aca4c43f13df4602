// API authentication and access checks, for every concept's routes:
//   authenticate(deps)               middleware: Bearer token or session cookie → apiState(ctx).caller
//   requireCaller(ctx)               401 unless authenticated; enforces CSRF on cookie-authenticated
//                                    unsafe methods (header X-CSRF-Token); Bearer calls are exempt
//   requireScope(ctx, scope)         403 unless the token carries the scope (sessions have all)
//   requireOrg(ctx, orgSlug)         the organization and the caller's role; 404 for non-members
//   requireProject(ctx, org, slug)   + the project; 404 when missing or not visible
//   requireIssue(ctx, id, orgSlug?)  + the issue (numeric id or short id like WEB-12); 404 likewise
//   requireIssueParam(ctx)           requireIssue with the route's :issueId and :org params
//   requireRole(access, ...roles)    403 unless the caller's role is one of them
// Non-members get 404, never 403, so slugs and ids do not leak (as in Sentry).
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import { findOrganizationForMember, type MemberOrganizationRow, type MemberRole } from '../organizations/queries.js';
import { findProjectBySlug, type ProjectRow } from '../projects/queries.js';
import { findIssueForMember, findIssueRedirect, type IssueRef, type IssueRow } from '../issues/read-queries.js';
import { findUserBySessionHash, findUserByTokenHash } from '../users/queries.js';
import { csrfTokenFor, safeEqual, sha256Hex } from '../users/tokens.js';
import { apiState, type Caller } from './context.js';
import { HttpError, MovedError, NotFoundError } from './errors.js';
import { isBigintId } from '../db/ids.js';

export const SESSION_COOKIE = 'faultline_session';
/** Readable by the UI's script (double-submit): it sends the value back as X-CSRF-Token. */
export const CSRF_COOKIE = 'faultline_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Sentry's scope names; a token created without scopes gets all of them. */
export const ALL_SCOPES = [
  'org:read',
  'org:write',
  'org:admin',
  'member:read',
  'team:read',
  'project:read',
  'project:write',
  'project:admin',
  'project:releases',
  'event:read',
  'event:write',
  'event:admin',
  'alerts:read',
  'alerts:write',
] as const;
export type Scope = (typeof ALL_SCOPES)[number];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface OrgAccess {
  caller: Caller;
  org: MemberOrganizationRow;
  role: MemberRole;
}
export interface ProjectAccess extends OrgAccess {
  project: ProjectRow;
}
export interface IssueAccess {
  caller: Caller;
  org: { id: string; slug: string };
  role: MemberRole;
  issue: IssueRow;
}

export function authenticate(deps: Pick<Deps, 'pool' | 'config'>): Koa.Middleware {
  return async (ctx, next) => {
    const state = apiState(ctx);
    state.caller = null;
    const header = ctx.get('authorization');
    if (header !== '') {
      const m = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header);
      if (!m)
        throw new HttpError(401, 'invalid-authorization', 'unsupported Authorization header: send "Bearer <token>"');
      const owner = await findUserByTokenHash(deps.pool, sha256Hex(m[1]!));
      if (!owner)
        throw new HttpError(401, 'invalid-token', 'invalid token: it is unknown, revoked, or its user is deactivated');
      state.caller = {
        via: 'token',
        user: owner.user,
        scopes: owner.scopes.length > 0 ? owner.scopes : ALL_SCOPES,
        tokenId: owner.tokenId,
      };
    } else {
      const cookie = ctx.cookies.get(SESSION_COOKIE);
      const hit = cookie ? await findUserBySessionHash(deps.pool, sha256Hex(cookie)) : null;
      if (cookie && hit) {
        state.caller = {
          via: 'session',
          user: hit.user,
          scopes: ALL_SCOPES,
          sessionId: hit.sessionId,
          csrfToken: csrfTokenFor(deps.config.secretKey, cookie),
        };
      }
    }
    await next();
  };
}

export function requireCaller(ctx: Koa.Context): Caller {
  const caller = apiState(ctx).caller;
  if (!caller)
    throw new HttpError(
      401,
      'not-authenticated',
      'authentication credentials were not provided: send "Authorization: Bearer <token>" or log in',
    );
  if (caller.via === 'session' && !SAFE_METHODS.has(ctx.method)) {
    const sent = ctx.get(CSRF_HEADER);
    if (sent === '' || !safeEqual(sent, caller.csrfToken)) {
      throw new HttpError(
        403,
        'csrf-failed',
        `missing or wrong ${CSRF_HEADER} header: send the csrfToken from login (or the ${CSRF_COOKIE} cookie)`,
      );
    }
  }
  return caller;
}

export function requireScope(ctx: Koa.Context, scope: Scope): Caller {
  const caller = requireCaller(ctx);
  if (!caller.scopes.includes(scope)) throw new HttpError(403, 'missing-scope', `this token lacks the ${scope} scope`);
  return caller;
}

export async function requireOrg(ctx: Koa.Context, orgSlug: string): Promise<OrgAccess> {
  const caller = requireCaller(ctx);
  const org = await findOrganizationForMember(apiState(ctx).db, orgSlug, caller.user.id);
  if (!org) throw new NotFoundError('organization-not-found', 'organization not found');
  return { caller, org, role: org.role };
}

export async function requireProject(ctx: Koa.Context, orgSlug: string, projectSlug: string): Promise<ProjectAccess> {
  const access = await requireOrg(ctx, orgSlug);
  const project = await findProjectBySlug(apiState(ctx).db, access.org.id, projectSlug);
  if (!project) throw new NotFoundError('project-not-found', 'project not found');
  return { ...access, project };
}

export async function requireIssue(ctx: Koa.Context, issueId: string, orgSlug?: string): Promise<IssueAccess> {
  const caller = requireCaller(ctx);
  const ref = parseIssueRef(issueId);
  const db = apiState(ctx).db;
  const found = ref ? await findIssueForMember(db, { userId: caller.user.id, ref, organizationSlug: orgSlug }) : null;
  if (!found) {
    // A merged issue: reads are sent to the issue it was merged into (if the caller may see it).
    if (ref?.kind === 'id' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      const target = await findIssueRedirect(db, ref.id);
      const moved =
        target &&
        (await findIssueForMember(db, {
          userId: caller.user.id,
          ref: { kind: 'id', id: target },
          organizationSlug: orgSlug,
        }));
      if (moved) {
        const location =
          ctx.path.replace(`/issues/${issueId}/`, `/issues/${moved.id}/`) +
          (ctx.querystring ? `?${ctx.querystring}` : '');
        throw new MovedError(
          location,
          `issue ${issueId} was merged into ${moved.project.shortIdPrefix}-${moved.shortId} (${moved.id})`,
        );
      }
    }
    throw new NotFoundError('issue-not-found', 'issue not found');
  }
  const { role, ...issue } = found;
  return { caller, org: issue.organization, role, issue };
}

/** requireIssue for routes with an :issueId (and optional :org) parameter. */
export async function requireIssueParam(ctx: Koa.Context): Promise<IssueAccess> {
  const params = (ctx as Koa.Context & { params?: Record<string, string | undefined> }).params ?? {};
  if (params.issueId === undefined) throw new Error('requireIssueParam used on a route without :issueId');
  return requireIssue(ctx, params.issueId, params.org);
}

export function requireRole<T extends { role: MemberRole }>(access: T, ...roles: MemberRole[]): T {
  if (!roles.includes(access.role))
    throw new HttpError(403, 'forbidden', `this needs the ${roles.join(' or ')} role in the organization`);
  return access;
}

/** "123" → id; "WEB-12" (any case) → short id; anything else → null. */
export function parseIssueRef(value: string): IssueRef | null {
  if (isBigintId(value)) return { kind: 'id', id: value };
  const m = /^(.+)-(\d{1,18})$/.exec(value);
  return m ? { kind: 'shortId', prefix: m[1]!.toUpperCase(), number: m[2]! } : null;
}

/** Sets the session cookie (HttpOnly) and the CSRF cookie; Secure when the request is https. */
export function setSessionCookies(
  ctx: Koa.Context,
  session: { token: string; expiresAt: Date },
  csrfToken: string,
): void {
  const common = {
    sameSite: 'lax' as const,
    secure: ctx.secure,
    expires: session.expiresAt,
    path: '/',
    overwrite: true,
  };
  ctx.cookies.set(SESSION_COOKIE, session.token, { ...common, httpOnly: true });
  ctx.cookies.set(CSRF_COOKIE, csrfToken, { ...common, httpOnly: false });
}

export function clearSessionCookies(ctx: Koa.Context): void {
  const common = { sameSite: 'lax' as const, secure: ctx.secure, path: '/', overwrite: true };
  ctx.cookies.set(SESSION_COOKIE, null, { ...common, httpOnly: true });
  ctx.cookies.set(CSRF_COOKIE, null, { ...common, httpOnly: false });
}
