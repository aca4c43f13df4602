// HTTP side of the metrics: GET /metrics (Prometheus text format, every role; a Bearer token
// when METRICS_TOKEN is set) and a middleware that counts every request by part and status
// and every ingest request by outcome (accepted or the drop reason ingest put on ctx.state).
import type Koa from 'koa';
import { timingSafeEqual } from 'node:crypto';
import { httpDuration, httpRequests, ingestOutcomes, registry } from './registry.js';

export const METRICS_PATH = '/metrics';
const INGEST_PATH = /^\/api\/(?:[^/]+\/)?(?:store|envelope)\/?$/;

export type RequestPart = 'ingest' | 'api' | 'ui' | 'health' | 'metrics';

export function requestPart(path: string): RequestPart {
  if (path === '/healthz' || path === '/readyz') return 'health';
  if (path === METRICS_PATH) return 'metrics';
  if (INGEST_PATH.test(path.replace(/\/{2,}/g, '/'))) return 'ingest';
  return path.startsWith('/api/') ? 'api' : 'ui';
}

/** Outermost: sees the final status, errors rendered. */
export function observeRequests(): Koa.Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      observeRequest(ctx, started, requestPart(ctx.path));
    }
  };
}

/** Counts one answered request (and an ingest request's outcome). */
export function observeRequest(ctx: Koa.Context, started: bigint, part: RequestPart): void {
  httpRequests.inc({ part, status: `${Math.floor(ctx.status / 100)}xx` });
  httpDuration.observe({ part }, Number(process.hrtime.bigint() - started) / 1e9);
  if (part === 'ingest' && ctx.method !== 'OPTIONS') {
    const reason = (ctx.state as { dropReason?: string }).dropReason;
    ingestOutcomes.inc({ outcome: reason ?? (ctx.status === 200 ? 'accepted' : `http-${ctx.status}`) });
  }
}

export function serveMetrics(opts: { token: string | null }): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.path !== METRICS_PATH) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (opts.token !== null && !bearerMatches(ctx.get('authorization'), opts.token)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = { error: { code: 'not-authenticated', message: 'send "Authorization: Bearer <METRICS_TOKEN>"' } };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  };
}

function bearerMatches(header: string, token: string): boolean {
  const sent = Buffer.from(/^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '');
  const want = Buffer.from(token);
  return sent.length === want.length && timingSafeEqual(sent, want);
}
