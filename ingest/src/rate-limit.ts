// Rate limits of the ingest tier (protocol.md §6): per DSN key (`rateLimit: {count, window}` from
// the key API), per project and per organization (events per minute and per hour, from the
// project/organization settings or the PROJECT_/ORG_QUOTA_* defaults; none unless configured).
// The checks of one event-loop turn's requests share one atomic Redis script call (the micro-batch,
// shared/outcomes/quota-script.ts), which decides them in arrival order exactly as one call per
// request would; a quota known to be used up answers from memory until its window ends, so a
// flood of 429s costs no Redis round trip.
import type { RedisClient } from '../../server/src/shared/redis.js';
import type { Logger } from '../../server/src/shared/log.js';
import type { ProjectKeyInfo } from '../../server/src/shared/keys.js';
import type { ActiveLimit, RateLimitReason } from '../../server/src/shared/outcomes/outcomes.js';
import { QUOTA_SCRIPT, runScript } from '../../server/src/shared/outcomes/quota-script.js';

/** Event quotas cover the categories an error event can be sent as (Relay's `default;error;security`). */
export const EVENT_CATEGORIES: readonly string[] = ['default', 'error', 'security'];
/** Counters outlive their window by this much, so late requests of a window still see it. */
const COUNTER_SLACK_SECONDS = 60;
/** Redis failures are logged at most this often (the request is let through: fail open). */
const FAILURE_LOG_MS = 10_000;
const MAX_REJECTIONS_CACHED = 10_000;
/** Requests per script call: bounds the script's argument list and its time inside Redis. */
export const MAX_CHECKS_PER_CALL = 256;

export interface Quota {
  /** Identifies the counter: `key:<id>`, `project:<id>`, `org:<id>`. */
  id: string;
  scope: ActiveLimit['scope'];
  reasonCode: Extract<RateLimitReason, 'key_quota' | 'project_quota' | 'org_quota'>;
  limit: number;
  windowSeconds: number;
}

/** Defaults from config; null = no quota. A project's or organization's own value wins (0 = none). */
export interface QuotaDefaults {
  projectPerMinute: number | null;
  projectPerHour: number | null;
  orgPerMinute: number | null;
  orgPerHour: number | null;
}

export const NO_QUOTA_DEFAULTS: QuotaDefaults = {
  projectPerMinute: null,
  projectPerHour: null,
  orgPerMinute: null,
  orgPerHour: null,
};

/** The quotas that apply to events sent with this key. Pure. */
export function quotasFor(key: ProjectKeyInfo, defaults: QuotaDefaults): Quota[] {
  const quotas: Quota[] = [];
  if (key.rateLimit && key.rateLimit.window > 0) {
    quotas.push({
      id: `key:${key.keyId}`,
      scope: 'key',
      reasonCode: 'key_quota',
      limit: key.rateLimit.count,
      windowSeconds: key.rateLimit.window,
    });
  }
  const q = key.quotas;
  const add = (
    scope: 'project' | 'organization',
    id: string,
    own: number | null | undefined,
    fallback: number | null,
    windowSeconds: number,
  ) => {
    const limit = own ?? fallback;
    if (limit === null || limit <= 0) return;
    const reasonCode = scope === 'project' ? 'project_quota' : 'org_quota';
    quotas.push({ id: `${scope === 'project' ? 'project' : 'org'}:${id}`, scope, reasonCode, limit, windowSeconds });
  };
  add('project', key.projectId, q?.projectPerMinute, defaults.projectPerMinute, 60);
  add('project', key.projectId, q?.projectPerHour, defaults.projectPerHour, 3600);
  add('organization', key.organizationId, q?.orgPerMinute, defaults.orgPerMinute, 60);
  add('organization', key.organizationId, q?.orgPerHour, defaults.orgPerHour, 3600);
  return quotas;
}

/** `X-Sentry-Rate-Limits`: `retry_after:categories:scope:reason_code`, joined by `, ` (§6.1). */
export function formatRateLimits(limits: readonly ActiveLimit[]): string {
  return limits.map((l) => `${l.retryAfterSeconds}:${l.categories.join(';')}:${l.scope}:${l.reasonCode}`).join(', ');
}

/** `Retry-After`: the longest of the active limits, integer seconds. */
export function retryAfterSeconds(limits: readonly ActiveLimit[]): number {
  return Math.max(1, ...limits.map((l) => l.retryAfterSeconds));
}

/** Seconds until the fixed window containing `nowMs` ends (at least 1). */
export function secondsLeftInWindow(nowMs: number, windowSeconds: number): number {
  const windowMs = windowSeconds * 1000;
  return Math.max(1, Math.ceil((windowMs - (nowMs % windowMs)) / 1000));
}

export interface RateLimiter {
  /** Consumes `quantity` from every quota, or from none and returns the limits that refused it. */
  check(quotas: readonly Quota[], quantity: number): Promise<ActiveLimit[]>;
}

/** One request's check, waiting for its micro-batch's script call. */
interface PendingCheck {
  quotas: readonly Quota[];
  /** The counter key of each quota in the window of `t`. */
  keys: string[];
  quantity: number;
  t: number;
  resolve: (limits: ActiveLimit[]) => void;
}

export function createRateLimiter(
  redis: RedisClient,
  prefix: string,
  opts: { log: Logger; now?: () => number },
): RateLimiter {
  const now = opts.now ?? Date.now;
  // counter key + limit → end of the window it was found used up in (counts never go down).
  const rejected = new Map<string, number>();
  let lastFailureLog = 0;
  let pending: PendingCheck[] = [];

  // The checks that arrived during this event-loop turn go to Redis together once it ends
  // (setImmediate): no added wait, one round trip for a burst of requests.
  function flush(): void {
    const batch = pending;
    pending = [];
    for (let i = 0; i < batch.length; i += MAX_CHECKS_PER_CALL) void run(batch.slice(i, i + MAX_CHECKS_PER_CALL));
  }

  async function run(batch: PendingCheck[]): Promise<void> {
    const keyIndex = new Map<string, number>();
    const args: number[] = [batch.length];
    for (const c of batch) {
      args.push(c.quantity, c.quotas.length);
      c.quotas.forEach((q, i) => {
        const key = c.keys[i]!;
        let k = keyIndex.get(key);
        if (k === undefined) keyIndex.set(key, (k = keyIndex.size + 1));
        args.push(k, q.limit, q.windowSeconds + COUNTER_SLACK_SECONDS);
      });
    }
    let over: unknown;
    try {
      over = await runScript(redis, QUOTA_SCRIPT, [...keyIndex.keys()], args);
    } catch (err) {
      const t = now();
      if (t - lastFailureLog > FAILURE_LOG_MS) {
        lastFailureLog = t;
        opts.log.warn({ err, requests: batch.length }, 'rate limit check failed, letting the requests through');
      }
      for (const c of batch) c.resolve([]);
      return;
    }
    if (rejected.size > MAX_REJECTIONS_CACHED) rejected.clear();
    batch.forEach((c, r) => c.resolve(refusals(c, Array.isArray(over) ? over[r] : undefined)));
  }

  /** The limits behind a request's over-quota indexes, remembered until their windows end. */
  function refusals(c: PendingCheck, over: unknown): ActiveLimit[] {
    const indexes = Array.isArray(over) ? over.map(Number) : [];
    return indexes.flatMap((i) => {
      const q = c.quotas[i - 1];
      if (!q) return [];
      // A request carries one event, so a refusal means the window is full until it ends.
      const windowMs = q.windowSeconds * 1000;
      rejected.set(`${c.keys[i - 1]}|${q.limit}`, (Math.floor(c.t / windowMs) + 1) * windowMs);
      return [limitOf(q, c.t)];
    });
  }

  return {
    check(quotas, quantity) {
      if (quotas.length === 0 || quantity <= 0) return Promise.resolve([]);
      const t = now();
      const keys = quotas.map(
        (q) => `${prefix}:{quota}:${q.id}:${q.windowSeconds}:${Math.floor(t / (q.windowSeconds * 1000))}`,
      );
      const cached = quotas.filter((q, i) => (rejected.get(`${keys[i]}|${q.limit}`) ?? 0) > t);
      if (cached.length > 0) return Promise.resolve(cached.map((q) => limitOf(q, t)));
      return new Promise((resolve) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ quotas, keys, quantity, t, resolve });
      });
    },
  };
}

function limitOf(q: Quota, t: number): ActiveLimit {
  return {
    retryAfterSeconds: secondsLeftInWindow(t, q.windowSeconds),
    categories: EVENT_CATEGORIES,
    scope: q.scope,
    reasonCode: q.reasonCode,
  };
}
