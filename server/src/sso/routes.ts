// Single sign-on with OpenID Connect (authorization code flow, PKCE, state, nonce):
//   GET /auth/config/?org=                 public: what the login page offers (password form, SSO button)
//   GET /auth/oidc/login/?next=            302 to the provider; the flow's secrets wait in Redis
//   GET /auth/oidc/callback/               the provider's answer: checks, signs in, 302 to `next`
//   GET/PUT /organizations/{org}/auth-policy/           password login on/off (PUT: owners; off signs
//                                                       members' password sessions out)
//   GET /organizations/{org}/access-requests/           owners/admins: SSO users waiting to join
//   POST/DELETE /organizations/{org}/access-requests/{userId}/   accept ({role}) or decline
// Failures of the browser flow land on the login page as /login/?error=<code>, never as JSON.
import type Koa from 'koa';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import type { ApiAccessRequest, ApiAccessRequestAccepted, ApiAuthConfig } from '../api/types.js';
import { requireCaller, requireOrg, requireRole, requireScope, setSessionCookies } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import { withTransaction } from '../db/tx.js';
import { grantableRoles } from '../members/roles.js';
import { insertMembershipIfMissing } from '../organizations/queries.js';
import { startSession } from '../users/sessions.js';
import { csrfTokenFor } from '../users/tokens.js';
import { OidcError } from './oidc-client.js';
import { savePendingLogin, takePendingLogin, PENDING_LOGIN_TTL_SECONDS } from './pending-logins.js';
import * as q from './queries.js';
import { safeReturnPath } from './rules.js';
import { signInWithIdentity } from './sign-in.js';

const FLOW_COOKIE = 'faultline_oidc';
const CALLBACK_PATH = '/api/0/auth/oidc/callback/';
const MAX_CALLBACK_QUERY = 8192; // code, state, iss and session_state fit easily; anything longer is not a provider
const policyBody = z.object({ passwordLogin: z.boolean() });
const acceptBody = z.object({ role: z.enum(['owner', 'admin', 'member']).default('member') });

export function registerSsoRoutes(router: ApiRouter, deps: Deps): void {
  const log = deps.log.child({ component: 'sso' });

  router.get('/auth/config/', async (ctx) => {
    const org = typeof ctx.query.org === 'string' && ctx.query.org.length <= 50 ? ctx.query.org : null;
    const sso = deps.config.oidc && deps.oidc ? { label: deps.config.oidc.buttonLabel } : null;
    // Without SSO there is no other way in: the form stays whatever the organizations say.
    const body: ApiAuthConfig = { passwordLogin: sso ? await q.isPasswordLoginOffered(deps.pool, org) : true, sso };
    ctx.body = body;
  });

  router.get('/auth/oidc/login/', async (ctx) => {
    const client = deps.oidc;
    const next = safeReturnPath(ctx.query.next);
    if (!client) return loginError(ctx, 'sso-not-configured', next);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier, next };
    let url: URL;
    try {
      url = await client.authorizationUrl({
        redirectUri: redirectUri(deps),
        state: pending.state,
        nonce: pending.nonce,
        codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      });
    } catch (err) {
      log.warn({ err }, 'identity provider unavailable at login start');
      return loginError(
        ctx,
        err instanceof OidcError && err.kind === 'refused' ? 'sso-misconfigured' : 'sso-unavailable',
        next,
      );
    }
    const handle = await savePendingLogin(deps.redis, deps.config.redis.prefix, pending).catch((err: unknown) => {
      log.warn({ err }, 'cannot store the pending login (Redis)');
      return null;
    });
    if (!handle) return loginError(ctx, 'sso-unavailable', next);
    ctx.cookies.set(FLOW_COOKIE, handle, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      path: '/api/0/auth/oidc/',
      maxAge: PENDING_LOGIN_TTL_SECONDS * 1000,
      overwrite: true,
    });
    ctx.redirect(url.href);
  });

  router.get('/auth/oidc/callback/', async (ctx) => {
    const client = deps.oidc;
    const cfg = deps.config.oidc;
    if (!client || !cfg) return loginError(ctx, 'sso-not-configured', '/');
    const handle = ctx.cookies.get(FLOW_COOKIE) ?? '';
    ctx.cookies.set(FLOW_COOKIE, null, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      path: '/api/0/auth/oidc/',
      overwrite: true,
    });
    if (ctx.querystring.length > MAX_CALLBACK_QUERY) return loginError(ctx, 'sso-refused', '/');
    const pending = await takePendingLogin(deps.redis, deps.config.redis.prefix, handle).catch((err: unknown) => {
      log.warn({ err }, 'cannot read the pending login (Redis)');
      return null;
    });
    if (!pending) return loginError(ctx, 'sso-expired', '/'); // replayed, forged, too slow, or another browser
    let identity;
    try {
      identity = await client.exchange(new URL(`${redirectUri(deps)}?${ctx.querystring}`), pending);
    } catch (err) {
      const kind = err instanceof OidcError ? err.kind : 'refused';
      log.warn({ err, kind }, 'single sign-on callback refused');
      return loginError(ctx, kind === 'unavailable' ? 'sso-unavailable' : 'sso-refused', pending.next);
    }
    const outcome = await signInWithIdentity(deps.pool, cfg, identity);
    if (!outcome.ok) {
      log.info({ reason: outcome.reason, issuer: identity.issuer }, 'single sign-on refused');
      return loginError(ctx, outcome.reason, pending.next);
    }
    log.info({ userId: outcome.user.id, how: outcome.how }, 'single sign-on');
    const session = await startSession(deps.pool, {
      userId: outcome.user.id,
      ipAddress: ctx.ip,
      userAgent: ctx.get('user-agent'),
      now: new Date(),
      idToken: identity.idToken,
    });
    setSessionCookies(ctx, session, csrfTokenFor(deps.config.secretKey, session.token));
    ctx.redirect(outcome.pending && pending.next === '/' ? '/settings/account/' : pending.next);
  });

  router.get('/organizations/:org/auth-policy/', async (ctx) => {
    requireScope(ctx, 'org:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    ctx.body = {
      passwordLogin: await q.findPasswordLoginAllowed(deps.pool, org.id),
      sso: deps.config.oidc ? { label: deps.config.oidc.buttonLabel } : null,
    };
  });

  router.put('/organizations/:org/auth-policy/', async (ctx) => {
    requireScope(ctx, 'org:admin');
    const { org } = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner');
    const { passwordLogin } = parseBody(ctx, policyBody);
    if (!passwordLogin && !deps.config.oidc)
      throw new HttpError(
        409,
        'sso-not-configured',
        'password login can only be turned off when OpenID Connect login is configured (OIDC_ISSUER): members would be locked out',
      );
    const caller = requireCaller(ctx);
    // Turning passwords off also signs out the members' password sessions (not the caller's own).
    const ended = await withTransaction(deps.pool, async (tx) => {
      await q.updatePasswordLoginAllowed(tx, org.id, passwordLogin);
      if (passwordLogin) return 0;
      return q.deletePasswordSessions(tx, org.id, caller.via === 'session' ? caller.sessionId : null);
    });
    if (!passwordLogin) log.info({ organizationId: org.id, endedSessions: ended }, 'password login turned off');
    ctx.body = { passwordLogin, sso: deps.config.oidc ? { label: deps.config.oidc.buttonLabel } : null };
  });

  router.get('/organizations/:org/access-requests/', async (ctx) => {
    requireScope(ctx, 'member:read');
    const { org } = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    ctx.body = (await q.listAccessRequests(deps.pool, org.id)).map((r): ApiAccessRequest => ({
      userId: r.userId,
      email: r.email,
      name: r.name,
      dateCreated: r.createdAt.toISOString(),
    }));
  });

  router.post('/organizations/:org/access-requests/:userId/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const access = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    const userId = userIdParam(ctx);
    const { role } = parseBody(ctx, acceptBody);
    if (!grantableRoles(access.role).includes(role))
      throw new HttpError(403, 'forbidden', `an ${access.role} cannot grant the ${role} role`);
    await withTransaction(deps.pool, async (tx) => {
      if (!(await q.deleteAccessRequest(tx, access.org.id, userId)))
        throw new NotFoundError('access-request-not-found', 'no pending access request for this user');
      await insertMembershipIfMissing(tx, { organizationId: access.org.id, userId, role });
    });
    const body: ApiAccessRequestAccepted = { userId, role };
    ctx.body = body;
  });

  router.delete('/organizations/:org/access-requests/:userId/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const access = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    if (!(await q.deleteAccessRequest(deps.pool, access.org.id, userIdParam(ctx))))
      throw new NotFoundError('access-request-not-found', 'no pending access request for this user');
    ctx.status = 204;
  });
}

function redirectUri(deps: Deps): string {
  return `${deps.config.http.baseUrl}${CALLBACK_PATH}`;
}

function userIdParam(ctx: Koa.Context & { params: Record<string, string | undefined> }): string {
  const id = ctx.params.userId ?? '';
  if (!/^\d{1,19}$/.test(id)) throw new HttpError(400, 'invalid-user-id', 'userId must be a numeric user id');
  return id;
}

/** The browser flow's failures go to the login page, which explains each code. */
function loginError(ctx: Koa.Context, code: string, next: string): void {
  const params = new URLSearchParams({ error: code });
  if (next !== '/') params.set('next', next);
  ctx.redirect(`/login/?${params.toString()}`);
}
