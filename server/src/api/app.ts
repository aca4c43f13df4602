// The Koa application: request ids, metrics and request logs, security headers, error
// rendering, health endpoints and /metrics, then the role's routers (ingest endpoints, the
// /api/0/ API, the UI). One app serves every HTTP role.
import Koa from 'koa';
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { ZodError } from 'zod';
import { HttpError, MovedError } from './errors.js';
import { observeRequests, serveMetrics } from '../metrics/http.js';
import { requestLog } from './request-log.js';
import { securityHeaders } from './security-headers.js';

export interface AppParts {
  /** Middleware stacks mounted in order after the common ones (ingest router, API router, UI). */
  mounts: Koa.Middleware[];
}

export function createApp(deps: Deps, parts: AppParts): Koa {
  const app = new Koa({ proxy: true });
  app.use(requestId());
  app.use(observeRequests());
  app.use(requestLog(deps.log));
  app.use(securityHeaders());
  app.use(renderErrors(deps));
  app.use(health(deps));
  app.use(serveMetrics({ token: deps.config.metrics.token }));
  for (const m of parts.mounts) app.use(m);
  return app;
}

function requestId(): Koa.Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    ctx.state.requestId = /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId as string);
    await next();
  };
}

function renderErrors(deps: Deps): Koa.Middleware {
  const log = deps.log.child({ component: 'api' });
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      // zod failures at a trust boundary are the caller's fault: 400 with the flattened issues.
      const err = caught instanceof ZodError
        ? new HttpError(400, 'invalid-request', `invalid request: ${summarizeZod(caught)}`, { details: caught.flatten() })
        : caught;
      const status = errorStatus(err);
      const code = err instanceof HttpError ? err.code : status >= 500 ? 'internal-error' : 'bad-request';
      const expose = status < 500;
      if (status >= 500) log.error({ err, requestId: ctx.state.requestId, path: ctx.path }, 'request failed');
      const message = expose ? (err as Error).message : 'internal server error';
      const details = expose && err instanceof HttpError && err.details !== undefined ? { details: err.details } : {};
      ctx.status = status;
      if (err instanceof MovedError) ctx.set('Location', err.location);
      ctx.body = { error: { code, message, ...details }, detail: message };
    }
  };
}

function summarizeZod(err: ZodError): string {
  return err.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

function errorStatus(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  const s = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : 500;
}

/** /healthz: the process runs. /readyz: Postgres and Redis both answer within a second. */
function health(deps: Deps): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path !== '/readyz') return next();
    const [pg, redis] = await Promise.all([
      withTimeout(deps.pool.query('SELECT 1').then(() => true), 1000),
      withTimeout(deps.redis.ping().then((r) => r === 'PONG'), 1000),
    ]);
    ctx.status = pg && redis ? 200 : 503;
    ctx.body = { status: pg && redis ? 'ok' : 'unavailable', postgres: pg ? 'ok' : 'down', redis: redis ? 'ok' : 'down' };
  };
}

async function withTimeout(p: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([p.catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
