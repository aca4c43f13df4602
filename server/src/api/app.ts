// The Koa application: request ids, metrics and request logs, security headers, error
// rendering, health endpoints and /metrics, then the role's routers (ingest endpoints, the
// /api/0/ API, the UI). One app serves every HTTP role. Ingest's event requests take a lane ahead
// of that stack: one middleware that gives them the same id, headers, errors, metrics and log line.
import Koa from 'koa';
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { ZodError } from 'zod';
import { HttpError, MovedError } from './errors.js';
import { observeRequest, observeRequests, serveMetrics } from '../metrics/http.js';
import { logRequest, requestLog, requestLogger } from './request-log.js';
import { securityHeaders, setSecurityHeaders } from './security-headers.js';
import { clientAddress, type TrustProxy } from './trust-proxy.js';
import { QUERY_CANCELED } from '../db/pool.js';

export interface AppParts {
  /** Middleware stacks mounted in order after the common ones (ingest router, API router, UI). */
  mounts: Koa.Middleware[];
  /** The ingest spool (ingest roles): shown on /readyz; while it can take events, Redis down leaves the process ready. */
  spool?: SpoolReadiness | undefined;
  /** Ingest's event requests (ingest roles), ahead of the common stack: see IngestLane. */
  ingestLane?: IngestLane | undefined;
}

/**
 * The handler that answers this request, or undefined when the request is not one of the lane's
 * (it then goes through the common stack and the mounts as any other).
 */
export type IngestLane = (ctx: Koa.Context) => (() => Promise<void>) | undefined;

/** What /readyz needs of the ingest spool (ingest/src/spool.ts). */
export interface SpoolReadiness {
  readonly enabled: boolean;
  canAccept(): boolean;
  stats(): {
    state: string;
    bytes: number;
    records: number;
    files: number;
    oldestAgeSeconds: number | null;
    full: boolean;
  };
}

export function createApp(deps: Deps, parts: AppParts): Koa {
  const trust = deps.config.http.trustProxy;
  // Koa's own proxy mode would trust X-Forwarded-* from anyone: the client address is set below.
  const app = new Koa({ proxy: trust.kind !== 'off' });
  if (parts.ingestLane) app.use(ingestLane(deps, parts.ingestLane));
  app.use(clientIp(trust));
  app.use(requestId());
  app.use(observeRequests());
  app.use(requestLog(deps.log));
  app.use(securityHeaders());
  app.use(renderErrors(deps));
  app.use(health(deps, parts.spool));
  app.use(serveMetrics({ token: deps.config.metrics.token }));
  for (const m of parts.mounts) app.use(m);
  return app;
}

/**
 * What the common stack does for a request, in one middleware and without the layers an ingest
 * request never reaches (health, /metrics): every ingest event costs each layer's promise.
 */
function ingestLane(deps: Deps, lane: IngestLane): Koa.Middleware {
  const trust = deps.config.http.trustProxy;
  const log = requestLogger(deps.log);
  const errorLog = deps.log.child({ component: 'api' });
  return async (ctx, next) => {
    const serve = lane(ctx);
    if (!serve) return next();
    const started = process.hrtime.bigint();
    setClientIp(ctx, trust);
    assignRequestId(ctx);
    setSecurityHeaders(ctx);
    try {
      await serve();
    } catch (caught) {
      renderError(ctx, caught, deps, errorLog);
    }
    observeRequest(ctx, started, 'ingest');
    logRequest(log, ctx, started, 'ingest');
  };
}

/** ctx.ip for everything after it (login limit, rate limits, request logs), per TRUST_PROXY. */
function clientIp(trust: TrustProxy): Koa.Middleware {
  return async (ctx, next) => {
    setClientIp(ctx, trust);
    await next();
  };
}

function setClientIp(ctx: Koa.Context, trust: TrustProxy): void {
  ctx.request.ip = clientAddress(ctx.req.socket.remoteAddress ?? '', ctx.get('x-forwarded-for'), trust);
}

function requestId(): Koa.Middleware {
  return async (ctx, next) => {
    assignRequestId(ctx);
    await next();
  };
}

function assignRequestId(ctx: Koa.Context): void {
  const incoming = ctx.get('x-request-id');
  const id = /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
  ctx.state.requestId = id;
  ctx.res.setHeader('X-Request-Id', id); // first thing of every request: see setSecurityHeaders
}

function renderErrors(deps: Deps): Koa.Middleware {
  const log = deps.log.child({ component: 'api' });
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      renderError(ctx, caught, deps, log);
    }
  };
}

function renderError(ctx: Koa.Context, caught: unknown, deps: Deps, log: Deps['log']): void {
  // zod failures at a trust boundary are the caller's fault: 400 with the flattened issues.
  const err =
    caught instanceof ZodError
      ? new HttpError(400, 'invalid-request', `invalid request: ${summarizeZod(caught)}`, {
          details: caught.flatten(),
        })
      : caught;
  const status = errorStatus(err);
  const timedOut = (err as { code?: unknown }).code === QUERY_CANCELED;
  const badValue = !(err instanceof HttpError) && isPgDataException(err);
  const code =
    err instanceof HttpError
      ? err.code
      : timedOut
        ? 'query-timeout'
        : badValue
          ? 'invalid-parameter'
          : status >= 500
            ? 'internal-error'
            : 'bad-request';
  if (badValue)
    log.warn(
      { err, requestId: ctx.state.requestId, path: ctx.path },
      'request value refused by postgres, answering 400',
    );
  const expose = status < 500 || timedOut;
  if (timedOut)
    log.warn(
      { requestId: ctx.state.requestId, path: ctx.path, clientIp: ctx.ip },
      'api query cancelled by the statement timeout',
    );
  else if (status >= 500) log.error({ err, requestId: ctx.state.requestId, path: ctx.path }, 'request failed');
  const message = timedOut
    ? `the query ran longer than the API statement timeout (${deps.config.http.statementTimeoutMs} ms) and was cancelled: narrow the request`
    : badValue
      ? 'a request parameter has a value out of range or not allowed'
      : expose
        ? (err as Error).message
        : 'internal server error';
  const details = expose && err instanceof HttpError && err.details !== undefined ? { details: err.details } : {};
  ctx.status = status;
  if (err instanceof MovedError) ctx.set('Location', err.location);
  ctx.body = { error: { code, message, ...details }, detail: message };
}

function summarizeZod(err: ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

function errorStatus(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if ((err as { code?: unknown }).code === QUERY_CANCELED) return 503;
  // Postgres "data exception" (class 22: out of range, bad text, NUL): a value from the request
  // that no parameter check caught. The request's fault, so a 400, but logged to add the check.
  if (isPgDataException(err)) return 400;
  const s = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : 500;
}

function isPgDataException(err: unknown): boolean {
  const code = (err as { code?: unknown; severity?: unknown }).code;
  return (
    typeof code === 'string' &&
    /^22[0-9A-Z]{3}$/.test(code) &&
    typeof (err as { severity?: unknown }).severity === 'string'
  );
}

/**
 * /healthz: the process runs. /readyz: Postgres and Redis both answer within a second; with an
 * ingest spool that is on and not full, Redis down still leaves ingest ready (events are spooled).
 */
function health(deps: Deps, spool: SpoolReadiness | undefined): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path !== '/readyz') return next();
    const [pg, redis] = await Promise.all([
      withTimeout(
        deps.pool.query('SELECT 1').then(() => true),
        1000,
      ),
      withTimeout(
        deps.redis.ping().then((r) => r === 'PONG'),
        1000,
      ),
    ]);
    const spooling = spool?.enabled === true && spool.canAccept();
    const ready = pg && (redis || spooling);
    ctx.status = ready ? 200 : 503;
    ctx.body = {
      status: !ready ? 'unavailable' : redis ? 'ok' : 'spooling',
      postgres: pg ? 'ok' : 'down',
      redis: redis ? 'ok' : 'down',
    };
    if (spool?.enabled) (ctx.body as Record<string, unknown>).spool = spoolReadiness(spool.stats());
  };
}

function spoolReadiness(s: ReturnType<SpoolReadiness['stats']>) {
  const age = s.oldestAgeSeconds === null ? null : Math.round(s.oldestAgeSeconds * 10) / 10;
  return { state: s.state, bytes: s.bytes, jobs: s.records, files: s.files, oldestAgeSeconds: age, full: s.full };
}

async function withTimeout(p: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
