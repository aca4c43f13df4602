// The Sentry ingest endpoints over HTTP (protocol.md §2): POST /api/{id}/envelope/,
// POST|GET /api/{id}/store/ and /api/store/, tolerant of `//` and a missing trailing slash, with
// CORS on every answer. Handlers only read the request (bounded) and call accept(). Event POSTs
// take the app's ingest lane (api/app.ts: ahead of the common middleware, no router); the rest
// (preflights, GET /store/, other methods, the embed endpoint) goes through the router here.
import Router from '@koa/router';
import type Koa from 'koa';
import type { IngestDeps } from '../../server/src/shared/ingest-deps.js';
import { createKeyLookup } from '../../server/src/shared/keys.js';
import { subscribeKeyChanges } from '../../server/src/shared/key-changes.js';
import { duplicateRedis, waitForReplicas } from '../../server/src/shared/redis.js';
import {
  accept,
  countRefusedRequest,
  precheck,
  type AcceptDeps,
  type AcceptInput,
  type AcceptResult,
} from './accept.js';
import { parseRequestAuth } from './auth.js';
import { parseContentEncoding, readBody } from './decompress.js';
import { createEnqueuer, type BulkAdder } from './enqueue.js';
import { drop, dropBody, type ActiveLimit, type Drop } from '../../server/src/shared/outcomes/outcomes.js';
import { createOutcomeCounter } from '../../server/src/shared/outcomes/outcome-counter.js';
import { ENQUEUE_TIMEOUT_MS } from './limits.js';
import { createSpool, type Spool } from './spool.js';
import { spoolingQueue } from './spooling-queue.js';
import { createQueueDepthGuard, measureQueueLoad } from './queue-depth.js';
import { createFloodLane, FLOOD_LANE_MIN_BACKLOG } from './flood-lane.js';
import { createRateLimiter, formatRateLimits, retryAfterSeconds } from './rate-limit.js';
import { EMBED_PATH, handleEmbed } from './embed.js';
import { boundedMemo } from './memo.js';
import { REPLICA_WAIT_MS } from './limits.js';

const INGEST_PATH = /^\/api\/(?:[^/]+\/)?(?:store|envelope)\/?$/;
/** The router's POST routes, on a normalized path: `/api/:projectId/(store|envelope)/`, `/api/store/`. */
const POST_PATH = /^\/api\/(?:([^/]+)\/)?(store|envelope)\/$/;
const ENVELOPE_CONTENT_TYPE = 'application/x-sentry-envelope';
/** Room for the spool's write and fsync after a failed queue add, within one request. */
const SPOOL_APPEND_TIMEOUT_MS = 10_000;
/** 1x1 transparent GIF: the answer to GET /store/ (image beacons of old browser SDKs). */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export function createIngestRouter(deps: IngestDeps): {
  middleware: Koa.Middleware;
  /** For createApp's `ingestLane`: the POST endpoints, as the router below would answer them. */
  lane: (ctx: Koa.Context) => (() => Promise<void>) | undefined;
  acceptDeps: AcceptDeps;
  spool: Spool;
  close: () => Promise<void>;
} {
  const log = deps.log.child({ component: 'ingest.http' });
  const spool = createSpool({
    dir: deps.config.spool.dir,
    maxBytes: deps.config.spool.maxBytes,
    namespace: deps.config.redis.prefix,
    isReady: () => deps.redis.status === 'ready',
    log: deps.log.child({ component: 'ingest.spool' }),
  });
  void spool
    .start()
    .catch((err: unknown) =>
      log.error(
        { err, dir: deps.config.spool.dir },
        'spool start failed; files left there are replayed by the next scan',
      ),
    );
  const ad = createAcceptDeps(deps, log, spool);
  const keyChanges = subscribeKeyChanges(
    duplicateRedis(deps.redis, { enableOfflineQueue: true, maxRetriesPerRequest: null }),
    deps.config.redis.prefix,
    ad.keys,
    log,
  );

  const router = new Router();
  const projectParam = (ctx: Koa.Context) => (ctx.params as Record<string, string | undefined>).projectId;
  router.post('/api/:projectId/envelope/', (ctx) => handle(ctx, 'envelope', projectParam(ctx), ad));
  router.post(['/api/:projectId/store/', '/api/store/'], (ctx) => handle(ctx, 'store', projectParam(ctx), ad));
  router.get(['/api/:projectId/store/', '/api/store/'], (ctx) => handleStoreGet(ctx, ad));
  const routes = router.routes() as unknown as Koa.Middleware;
  const allowed = router.allowedMethods() as unknown as Koa.Middleware;

  const middleware: Koa.Middleware = async (ctx, next) => {
    const path = normalizePath(ctx.path);
    if (path === EMBED_PATH) {
      setCors(ctx);
      return ctx.method === 'OPTIONS' ? preflight(ctx) : handleEmbed(ctx, ad);
    }
    if (!INGEST_PATH.test(path)) return next();
    if (path !== ctx.path) ctx.path = path;
    setCors(ctx);
    if (ctx.method === 'OPTIONS') return preflight(ctx);
    await routes(ctx, () => allowed(ctx, next));
    const reason = (ctx.state as { dropReason?: string }).dropReason;
    if (reason) log.debug({ reason, status: ctx.status, requestId: ctx.state.requestId }, 'ingest request dropped');
  };
  const lane = (ctx: Koa.Context) => {
    if (ctx.method !== 'POST') return undefined;
    const path = normalizePath(ctx.path);
    const m = POST_PATH.exec(path);
    if (!m) return undefined;
    const [, rawProject, endpoint] = m as unknown as [string, string | undefined, 'store' | 'envelope'];
    if (rawProject === undefined && endpoint === 'envelope') return undefined; // no such route: 404/405 as before
    return async () => {
      if (path !== ctx.path) ctx.path = path;
      setCors(ctx);
      await handle(ctx, endpoint, rawProject === undefined ? undefined : decodeParam(rawProject), ad);
      const reason = (ctx.state as { dropReason?: string }).dropReason;
      if (reason) log.debug({ reason, status: ctx.status, requestId: ctx.state.requestId }, 'ingest request dropped');
    };
  };
  const close = async () => {
    await ad.enqueuer.close();
    await spool.close();
    await ad.outcomes?.close();
    await keyChanges.close();
  };
  return { middleware, lane, acceptDeps: ad, spool, close };
}

/**
 * The accept path's dependencies, shared by HTTP and UDP: key cache, enqueuer and the protections.
 * With a spool that is on, a micro-batch Redis cannot take goes to the disk spool instead of a 503.
 */
export function createAcceptDeps(
  deps: IngestDeps,
  log: IngestDeps['log'],
  spool?: Spool,
): AcceptDeps & Required<Pick<AcceptDeps, 'outcomes'>> {
  const { prefix, waitReplicas } = deps.config.redis;
  const p = deps.config.protection;
  const redisReady = () => deps.redis.status === 'ready';
  // With Redis replicas (always on a cluster) an add counts once a replica holds the jobs: a master
  // that dies right after the add then loses nothing that was acknowledged (its replica takes over).
  // An add that cannot be confirmed goes to the spool when it is on, else answers 503.
  const queueRedis = deps.queueRedis;
  const bullQueue = deps.queue as unknown as BulkAdder; // holds micro-batch jobs too (enqueue.ts)
  const queue: BulkAdder & { name: string } = {
    name: deps.queue.name,
    addBulk:
      waitReplicas > 0 && queueRedis
        ? async (jobs) => {
            const added = await bullQueue.addBulk(jobs);
            await waitForReplicas(queueRedis, `{${prefix}}`, waitReplicas, REPLICA_WAIT_MS); // the queue's hash tag: its slot's master
            return added;
          }
        : (jobs) => bullQueue.addBulk(jobs),
  };
  const enqueuer = spool?.enabled
    ? createEnqueuer(spoolingQueue(queue, spool, { isReady: redisReady, timeoutMs: ENQUEUE_TIMEOUT_MS, log }), {
        isReady: () => redisReady() || spool.canAccept(),
        log,
        timeoutMs: ENQUEUE_TIMEOUT_MS + SPOOL_APPEND_TIMEOUT_MS,
        batchWaitMs: deps.config.ingest.lingerMs,
      })
    : createEnqueuer(queue, { isReady: redisReady, log, batchWaitMs: deps.config.ingest.lingerMs });
  const queueDepth = createQueueDepthGuard({
    maxDepth: p.queueMaxDepth,
    measure: () => measureQueueLoad(deps.queue, deps.redis),
    log,
  });
  return {
    keys: createKeyLookup(deps.pool, { log }),
    enqueuer,
    limits: deps.config.ingest,
    log,
    floodLane: createFloodLane({ isBacklogged: () => queueDepth.depth() >= FLOOD_LANE_MIN_BACKLOG }),
    rateLimiter: createRateLimiter(deps.redis, prefix, { log }),
    quotaDefaults: p.quotas,
    queueDepth,
    outcomes: createOutcomeCounter(deps.redis, prefix, { log }),
  };
}

/** Folds `//` and adds the trailing slash Relay's routes are declared with. */
function normalizePath(path: string): string {
  const folded = path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
  return folded.endsWith('/') ? folded : `${folded}/`;
}

/** A path parameter as @koa/router hands it over: percent-decoded, or as sent when that fails. */
function decodeParam(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

async function handle(
  ctx: Koa.Context,
  endpoint: 'envelope' | 'store',
  projectIdFromPath: string | undefined,
  ad: AcceptDeps,
): Promise<void> {
  const meta = requestMeta(ctx, endpoint, projectIdFromPath);
  const pre = precheck(meta);
  if ('reason' in pre) return refuse(ctx, meta, pre, ad);
  const encoding = parseContentEncoding(ctx.get('content-encoding'));
  if (!encoding)
    return refuse(
      ctx,
      meta,
      drop('unsupported-encoding', 415, 'unsupported content encoding', [ctx.get('content-encoding')]),
      ad,
    );
  const asEnvelope =
    endpoint === 'envelope' || ctx.get('content-type').split(';')[0]!.trim().toLowerCase() === ENVELOPE_CONTENT_TYPE;
  const limit = asEnvelope ? ad.limits.maxEnvelopeBytes : ad.limits.maxEventBytes;
  const bytes = await readBody(ctx.req, { encoding, limit, declaredLength: ctx.request.length });
  if (!Buffer.isBuffer(bytes)) return refuse(ctx, meta, bytes, ad, { closeConnection: true });
  const body: AcceptInput['body'] = asEnvelope
    ? { kind: 'envelope', bytes }
    : { kind: 'store', bytes, contentEncoded: encoding !== 'identity' };
  respond(ctx, await accept({ ...meta, body }, ad));
}

/** GET /store/?sentry_data=<event>&sentry_key=...: answers a pixel instead of JSON on success. */
async function handleStoreGet(ctx: Koa.Context, ad: AcceptDeps): Promise<void> {
  const meta = requestMeta(ctx, 'store', (ctx.params as Record<string, string | undefined>).projectId);
  const data = ctx.URL.searchParams.get('sentry_data') ?? '';
  const result = await accept(
    { ...meta, body: { kind: 'store', bytes: Buffer.from(data, 'utf8'), contentEncoded: false } },
    ad,
  );
  if (!result.ok) return respond(ctx, result);
  ctx.set('Cache-Control', 'no-cache');
  ctx.type = 'image/gif';
  ctx.body = PIXEL;
}

function requestMeta(
  ctx: Koa.Context,
  endpoint: 'envelope' | 'store',
  projectIdFromPath: string | undefined,
): Omit<AcceptInput, 'body'> {
  const rawQuery = ctx.querystring;
  return {
    endpoint,
    projectIdFromPath,
    auth: parseRequestAuth({
      xSentryAuth: header(ctx, 'x-sentry-auth'),
      authorization: header(ctx, 'authorization'),
      rawQuery,
    }),
    clientIp: clientIp(ctx),
    userAgent: header(ctx, 'user-agent'),
    origin: requestOrigin(ctx),
    receivedAt: Date.now(),
  };
}

function header(ctx: Koa.Context, name: string): string | undefined {
  const v = ctx.get(name);
  return v === '' ? undefined : v;
}

/** Tunnels forward the browser's address in X-Sentry-Forwarded-For; else Koa's proxy-aware ip. */
function clientIp(ctx: Koa.Context): string | undefined {
  const ip = ctx.get('x-sentry-forwarded-for').split(',')[0]?.trim() || ctx.ip;
  if (!ip) return undefined;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip; // IPv4-mapped socket address
}

/** Origin, else Referer, if it is an http(s) URL (Relay `parse_header_url`). */
function requestOrigin(ctx: Koa.Context): string | undefined {
  for (const name of ['origin', 'referer']) {
    const v = ctx.get(name);
    if (!v) continue;
    const href = httpUrl(v);
    if (href !== null) return href;
    // not a URL: try the next header, as Relay does
  }
  return undefined;
}

/** The normalized href of an http(s) URL, else null; a browser repeats its Origin on every request. */
const httpUrl = boundedMemo((text: string): string | null => {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
});

/** A refusal before accept(): counted as accept() counts its own, then answered. */
function refuse(
  ctx: Koa.Context,
  meta: Omit<AcceptInput, 'body'>,
  d: Drop,
  ad: AcceptDeps,
  opts: { closeConnection?: boolean } = {},
): void {
  countRefusedRequest(meta, d, ad);
  respond(ctx, d, opts);
}

function respond(ctx: Koa.Context, result: AcceptResult | Drop, opts: { closeConnection?: boolean } = {}): void {
  if (result.limits) setRateLimitHeaders(ctx, result.limits);
  if (result.ok) {
    ctx.status = 200;
    ctx.body = result.eventId ? { id: result.eventId } : {};
    return;
  }
  ctx.status = result.status;
  (ctx.state as { dropReason?: string }).dropReason = result.reason;
  ctx.set('X-Sentry-Error', result.detail);
  // The body was not read to its end: close instead of draining a possibly huge upload.
  if (opts.closeConnection && result.status === 413) ctx.set('Connection', 'close');
  ctx.body = dropBody(result);
}

/** protocol.md §6: integer seconds, the grammar `retry_after:categories:scope:reason_code`. */
function setRateLimitHeaders(ctx: Koa.Context, limits: readonly ActiveLimit[]): void {
  if (limits.length === 0) return;
  ctx.set('Retry-After', String(retryAfterSeconds(limits)));
  ctx.set('X-Sentry-Rate-Limits', formatRateLimits(limits));
}

/**
 * Every ingest answer, errors and 429 included, must be readable cross-origin (protocol.md §2.5).
 * Set on the Node response before anything is written: see setSecurityHeaders for why not ctx.set.
 */
function setCors(ctx: Koa.Context): void {
  const res = ctx.res;
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', 'x-sentry-error, x-sentry-rate-limits, retry-after');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
}

function preflight(ctx: Koa.Context): void {
  ctx.set('Access-Control-Allow-Methods', 'POST');
  ctx.set(
    'Access-Control-Allow-Headers',
    'x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, content-type, authentication, authorization, content-encoding, transfer-encoding',
  );
  ctx.set('Access-Control-Max-Age', '3600');
  ctx.status = 200;
  ctx.body = '';
}
