// Who am I and logging in: GET /api/0/ (sentry-cli `info`), GET /api/0/users/me/, and the
// browser session endpoints POST /api/0/auth/login/, GET /api/0/auth/, DELETE /api/0/auth/.
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiLogout, ApiRoot, ApiSession } from '../api/types.js';
import { apiState, type ApiRouter } from '../api/context.js';
import { clearSessionCookies, requireCaller, setSessionCookies } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError } from '../api/errors.js';
import { listOrganizationsForUser } from '../organizations/queries.js';
import { listPasswordlessOrganizations } from '../sso/queries.js';
import { clearLoginAttempts, countLoginAttempt } from './login-limit.js';
import { verifyPassword } from './passwords.js';
import { deleteSession, findUserByEmail, type UserRow } from './queries.js';
import { serializeUser } from './serialize.js';
import { startSession } from './sessions.js';
import { csrfTokenFor } from './tokens.js';

const loginSchema = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) });

export function registerUserRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/', async (ctx) => {
    const caller = apiState(ctx).caller;
    const body: ApiRoot = caller
      ? { version: '0', auth: { scopes: [...caller.scopes] }, user: serializeUser(caller.user) }
      : { version: '0', auth: null, user: null };
    ctx.body = body;
  });

  router.get('/users/me/', async (ctx) => {
    ctx.body = serializeUser(requireCaller(ctx).user);
  });

  router.post('/auth/login/', async (ctx) => {
    const { email, password } = parseBody(ctx, loginSchema);
    const { redis, config } = deps;
    const attempt = await countLoginAttempt(redis, config.redis.prefix, email, ctx.ip).catch((err: unknown) => {
      throw new HttpError(
        503,
        'rate-limiter-unavailable',
        'login is unavailable: the rate limiter (Redis) does not answer',
        { cause: err },
      );
    });
    if (!attempt.allowed) {
      ctx.set('Retry-After', String(attempt.retryAfterSeconds));
      throw new HttpError(
        429,
        'too-many-login-attempts',
        `too many login attempts: try again in ${attempt.retryAfterSeconds} seconds`,
      );
    }
    const user = await findUserByEmail(deps.pool, email);
    const ok = await verifyPassword(user?.passwordHash ?? null, password);
    if (!user || !ok || !user.isActive) throw new HttpError(401, 'invalid-credentials', 'invalid email or password');
    // Checked after the password so the answer does not tell strangers which accounts use SSO.
    const ssoOnly = await listPasswordlessOrganizations(deps.pool, user.id);
    if (ssoOnly.length > 0)
      throw new HttpError(
        403,
        'password-login-disabled',
        `password login is turned off for organization ${ssoOnly[0]}: sign in with single sign-on`,
      );
    await clearLoginAttempts(redis, config.redis.prefix, email, ctx.ip);
    const session = await startSession(deps.pool, {
      userId: user.id,
      ipAddress: ctx.ip,
      userAgent: ctx.get('user-agent'),
      now: new Date(),
    });
    const csrfToken = csrfTokenFor(config.secretKey, session.token);
    setSessionCookies(ctx, session, csrfToken);
    ctx.body = await sessionBody(deps, user, csrfToken);
  });

  router.get('/auth/', async (ctx) => {
    const caller = requireCaller(ctx);
    ctx.body = await sessionBody(deps, caller.user, caller.via === 'session' ? caller.csrfToken : '');
  });

  // Ends the local session; after an SSO login the answer also carries the provider's
  // end-session URL (when it has one), which the UI follows to end the provider's session too.
  router.delete('/auth/', async (ctx) => {
    const caller = requireCaller(ctx);
    const ended = caller.via === 'session' ? await deleteSession(deps.pool, caller.sessionId) : null;
    clearSessionCookies(ctx);
    const logoutUrl =
      ended?.idToken && deps.oidc
        ? await deps.oidc.endSessionUrl({
            idToken: ended.idToken,
            postLogoutRedirectUri: `${deps.config.http.baseUrl}/login/`,
          })
        : null;
    if (!logoutUrl) {
      ctx.status = 204;
      return;
    }
    const body: ApiLogout = { logoutUrl: logoutUrl.href };
    ctx.body = body;
  });
}

async function sessionBody(deps: Deps, user: UserRow, csrfToken: string): Promise<ApiSession> {
  const orgs = await listOrganizationsForUser(deps.pool, user.id);
  return {
    user: serializeUser(user),
    csrfToken,
    organizations: orgs.map((o) => ({ id: o.id, slug: o.slug, name: o.name, role: o.role })),
  };
}
