// One structured log line per HTTP request with its request id. Only the path is logged, never
// the query string (ingest URLs carry sentry_key) nor headers (Authorization, Cookie,
// X-Sentry-Auth); the root logger's redaction (shared/log.ts) covers anything logged beside them.
// Ingest, health and static files log at debug (nothing per event at info), the API at info;
// 5xx are logged by the error middleware with the error itself.
import type Koa from 'koa';
import type { Logger } from '../shared/log.js';
import { requestPart, type RequestPart } from '../metrics/http.js';

export function requestLog(root: Logger): Koa.Middleware {
  const log = requestLogger(root);
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      logRequest(log, ctx, started, requestPart(ctx.path));
    }
  };
}

/** The logger logRequest writes to. */
export function requestLogger(root: Logger): Logger {
  return root.child({ component: 'http' });
}

/** The request's line, once it is answered; nothing is built when its level is off (ingest at info). */
export function logRequest(log: Logger, ctx: Koa.Context, started: bigint, part: RequestPart): void {
  const info = part === 'api' && ctx.status < 500;
  if (!info && !log.isLevelEnabled('debug')) return;
  const fields = {
    requestId: ctx.state.requestId as string | undefined,
    method: ctx.method,
    path: ctx.path,
    clientIp: ctx.ip, // X-Forwarded-For only through TRUST_PROXY (api/trust-proxy.ts)
    status: ctx.status,
    durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
    part,
  };
  if (info) log.info(fields, 'request completed');
  else log.debug(fields, 'request completed');
}
