// The /api/0/ web API. Requests under /api/0/ get, in order: per-request state (apiState),
// a size-bounded JSON body (body.ts), authentication (auth.ts), the routes, and a JSON 404.
//
// How a concept adds routes: write `<concept>/routes.ts` exporting
//   export function registerXRoutes(router: ApiRouter, deps: Deps): void
// with paths relative to /api/0 and a trailing slash (Sentry's style; the slash is optional
// when matching), and add one line to createApiRouter below. Inside a handler: check the
// scope and the access first (`requireScope(ctx, 'event:read')`, then `requireOrg`,
// `requireProject`, `requireIssue`/`requireIssueParam` from auth.ts — they answer 401/404),
// validate the body with `parseBody(ctx, zodSchema)`, answer with types from types.ts.
// Lists paginate with pagination.ts (keyset cursors + Sentry Link headers).
import { HttpError } from './errors.js';
import Router from '@koa/router';
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import { registerAlertRoutes } from '../alerts/routes.js';
import { registerEventRoutes } from '../events/routes.js';
import { registerIssueRoutes } from '../issues/routes.js';
import { registerMemberRoutes } from '../members/routes.js';
import { registerOncallRoutes } from '../oncall/routes.js';
import { registerOrganizationRoutes } from '../organizations/routes.js';
import { registerProjectRoutes } from '../projects/routes.js';
import { registerReleaseRoutes } from '../releases/routes.js';
import { registerSourcemapRoutes } from '../sourcemaps/routes.js';
import { registerRealtimeRoutes } from '../realtime/routes.js';
import { registerUserRoutes } from '../users/routes.js';
import { registerApiTokenRoutes } from '../users/token-routes.js';
import { registerScrubRoutes } from '../scrub/routes.js';
import { registerDeadLetterRoutes } from '../dead-letters/routes.js';
import { registerProjectKeyRoutes } from '../projects/key-routes.js';
import { registerInboundFilterRoutes } from '../projects/filter-routes.js';
import { registerQuotaRoutes } from '../projects/quota-routes.js';
import { registerStatsRoutes } from '../outcomes/routes.js';
import { registerSpikeRoutes } from '../spikes/routes.js';
import { registerSessionRoutes } from '../sessions/routes.js';
import { registerOwnershipRoutes } from '../ownership/routes.js';
import { registerFeedbackRoutes } from '../feedback/routes.js';
import { registerMonitorRoutes } from '../monitors/routes.js';
import { registerFlagRoutes } from '../flags/routes.js';
import { registerSsoRoutes } from '../sso/routes.js';
import { authenticate } from './auth.js';
import { readYourWrites } from './read-your-writes.js';
import { jsonBody } from './body.js';
import { apiState } from './context.js';
import { NotFoundError } from './errors.js';

export const API_PREFIX = '/api/0';

export function createApiRouter(deps: Deps): {
  middleware: Koa.Middleware;
  close: () => Promise<void>;
  router: Router;
} {
  const router = new Router({ prefix: API_PREFIX });
  registerUserRoutes(router, deps);
  registerApiTokenRoutes(router, deps);
  registerOrganizationRoutes(router, deps);
  registerProjectRoutes(router, deps);
  registerIssueRoutes(router, deps);
  registerEventRoutes(router, deps);
  registerReleaseRoutes(router, deps);
  registerSourcemapRoutes(router, deps);
  registerAlertRoutes(router, deps);
  registerOncallRoutes(router, deps);
  registerMemberRoutes(router, deps);
  registerScrubRoutes(router, deps);
  registerDeadLetterRoutes(router, deps);
  registerProjectKeyRoutes(router, deps);
  registerInboundFilterRoutes(router, deps);
  registerQuotaRoutes(router, deps);
  registerStatsRoutes(router, deps);
  registerSpikeRoutes(router, deps);
  registerSessionRoutes(router, deps);
  registerOwnershipRoutes(router, deps);
  registerFeedbackRoutes(router, deps);
  registerMonitorRoutes(router, deps);
  registerFlagRoutes(router, deps);
  registerSsoRoutes(router, deps);
  const realtime = registerRealtimeRoutes(router, deps);

  const stack: Koa.Middleware[] = [
    rejectNulParams,
    async (ctx, next) => {
      const state = apiState(ctx);
      state.db = deps.pool;
      state.caller = null;
      ctx.set('Cache-Control', 'private, no-store');
      await next();
    },
    jsonBody(deps.config.http.maxApiBodyBytes),
    authenticate(deps),
    readYourWrites({
      readPool: deps.readPool,
      redis: deps.redis,
      prefix: deps.config.redis.prefix,
      maxLagMs: deps.config.db.replicaMaxLagMs,
      log: deps.log,
    }),
    async (ctx, next) => {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new NotFoundError('not-found', 'no such API endpoint');
    },
    // @koa/router types its middleware for contexts that already carry `params`; it adds them.
    router.routes() as unknown as Koa.Middleware,
    router.allowedMethods() as unknown as Koa.Middleware,
  ];
  const run = compose(stack);
  return {
    // API paths end here: they never fall through to the UI's index.html.
    middleware: (ctx, next) => (ctx.path === API_PREFIX || ctx.path.startsWith(`${API_PREFIX}/`) ? run(ctx) : next()),
    close: () => realtime.close(),
    router, // read-only use: tests enumerate router.stack to cover every route
  };
}

/** A tiny koa-compose: each middleware's `next` runs the following one; the last one's is a no-op. */
function compose(stack: Koa.Middleware[]): (ctx: Koa.Context) => Promise<void> {
  return (ctx) => {
    const dispatch = async (i: number): Promise<void> => {
      const mw = stack[i];
      if (mw) await mw(ctx, () => dispatch(i + 1));
    };
    return dispatch(0);
  };
}

/** Postgres text cannot hold NUL: a query parameter with one is the caller's error, named. */
const rejectNulParams: Koa.Middleware = async (ctx, next) => {
  if (ctx.querystring.includes('%00') || ctx.querystring.includes('\0')) {
    for (const [name, value] of Object.entries(ctx.query)) {
      const values = Array.isArray(value) ? value : [value ?? ''];
      if (name.includes('\0') || values.some((v) => v.includes('\0'))) {
        throw new HttpError(
          400,
          'invalid-parameter',
          `query parameter ${JSON.stringify(name.slice(0, 64))} contains a NUL character`,
        );
      }
    }
  }
  await next();
};
