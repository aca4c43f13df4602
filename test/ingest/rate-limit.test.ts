// The Redis rate limiter on its own: quotas from key settings and config defaults, the 429
// header grammar (protocol.md §6.1), all-or-nothing consumption, window reset (injected clock)
// and two limiters (two processes) sharing one Redis prefix; concurrent checks share one script
// call (the micro-batch) and are decided in arrival order, as one call each would decide them.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { ProjectKeyInfo } from '../../server/src/shared/keys.js';
import {
  createRateLimiter,
  formatRateLimits,
  MAX_CHECKS_PER_CALL,
  NO_QUOTA_DEFAULTS,
  quotasFor,
  retryAfterSeconds,
  secondsLeftInWindow,
  type Quota,
} from '../../ingest/src/rate-limit.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

const log = pino({ level: 'silent' });
const prefix = testRedisPrefix();
const redisA = new Redis(TEST_REDIS_URL);
const redisB = new Redis(TEST_REDIS_URL);
afterAll(async () => {
  redisA.disconnect();
  redisB.disconnect();
  await cleanRedisPrefix(prefix);
});

const key = (over: Partial<ProjectKeyInfo> = {}): ProjectKeyInfo => ({
  keyId: '7',
  projectId: '3',
  organizationId: '2',
  publicKey: 'a'.repeat(32),
  isActive: true,
  rateLimit: null,
  quotas: { projectPerMinute: null, projectPerHour: null, orgPerMinute: null, orgPerHour: null },
  inboundFilters: {},
  allowedDomains: ['*'],
  ...over,
});

describe('quotasFor', () => {
  it('has no quota on a fresh install (nothing configured)', () => {
    expect(quotasFor(key(), NO_QUOTA_DEFAULTS)).toEqual([]);
  });

  it('takes the key limit, own project/org values over the defaults, and 0 as "none"', () => {
    const quotas = quotasFor(
      key({
        rateLimit: { count: 10, window: 60 },
        quotas: { projectPerMinute: 0, projectPerHour: 500, orgPerMinute: null, orgPerHour: null },
      }),
      { projectPerMinute: 100, projectPerHour: null, orgPerMinute: 1000, orgPerHour: 20_000 },
    );
    expect(quotas.map((q) => [q.id, q.scope, q.reasonCode, q.limit, q.windowSeconds])).toEqual([
      ['key:7', 'key', 'key_quota', 10, 60],
      ['project:3', 'project', 'project_quota', 500, 3600],
      ['org:2', 'organization', 'org_quota', 1000, 60],
      ['org:2', 'organization', 'org_quota', 20_000, 3600],
    ]);
  });
});

describe('X-Sentry-Rate-Limits', () => {
  it('writes retry_after:categories:scope:reason_code joined by ", " and the longest Retry-After', () => {
    const limits = [
      {
        retryAfterSeconds: 42,
        categories: ['default', 'error', 'security'],
        scope: 'key' as const,
        reasonCode: 'key_quota' as const,
      },
      {
        retryAfterSeconds: 3000,
        categories: ['default', 'error', 'security'],
        scope: 'organization' as const,
        reasonCode: 'org_quota' as const,
      },
    ];
    expect(formatRateLimits(limits)).toBe(
      '42:default;error;security:key:key_quota, 3000:default;error;security:organization:org_quota',
    );
    expect(retryAfterSeconds(limits)).toBe(3000);
    // What Python sentry-sdk 1.9 parses: split(":", 2) → int(retry_after), categories, rest.
    for (const limit of formatRateLimits(limits).split(',')) {
      const [retry, categories] = limit.trim().split(':');
      expect(Number.isInteger(Number(retry))).toBe(true);
      expect(categories).toBe('default;error;security');
    }
  });

  it('counts seconds to the end of the fixed window', () => {
    expect(secondsLeftInWindow(60_000 * 100, 60)).toBe(60);
    expect(secondsLeftInWindow(60_000 * 100 + 59_001, 60)).toBe(1);
    expect(secondsLeftInWindow(60_000 * 100 + 30_500, 60)).toBe(30);
  });
});

describe('createRateLimiter (real Redis)', () => {
  const quota = (limit: number, id = `key:${Math.random()}`): Quota => ({
    id,
    scope: 'key',
    reasonCode: 'key_quota',
    limit,
    windowSeconds: 60,
  });
  const WINDOW_START = 1_700_000_040_000; // a minute boundary

  it('accepts N, then refuses with the key limit until the window resets', async () => {
    let now = WINDOW_START + 1_000;
    const limiter = createRateLimiter(redisA, prefix, { log, now: () => now });
    const q = [quota(3)];
    for (let i = 0; i < 3; i++) expect(await limiter.check(q, 1)).toEqual([]);
    const refused = await limiter.check(q, 1);
    expect(refused).toEqual([
      { retryAfterSeconds: 59, categories: ['default', 'error', 'security'], scope: 'key', reasonCode: 'key_quota' },
    ]);
    now = WINDOW_START + 59_500;
    expect((await limiter.check(q, 1))[0]?.retryAfterSeconds).toBe(1);
    now = WINDOW_START + 60_000; // next window
    expect(await limiter.check(q, 1)).toEqual([]);
  });

  it('consumes from every quota or from none', async () => {
    const limiter = createRateLimiter(redisA, prefix, { log, now: () => WINDOW_START });
    const roomy = quota(10);
    const tight = quota(1);
    expect(await limiter.check([roomy, tight], 1)).toEqual([]);
    expect((await limiter.check([roomy, tight], 1)).map((l) => l.reasonCode)).toEqual(['key_quota']);
    // The refused request did not use up the roomy quota: 9 more fit.
    for (let i = 0; i < 9; i++) expect(await limiter.check([roomy], 1)).toEqual([]);
    expect(await limiter.check([roomy], 1)).toHaveLength(1);
  });

  it('holds across two limiters (two ingest processes) sharing one Redis', async () => {
    const a = createRateLimiter(redisA, prefix, { log, now: () => WINDOW_START + 5_000 });
    const b = createRateLimiter(redisB, prefix, { log, now: () => WINDOW_START + 5_000 });
    const q = [quota(10, 'project:shared')];
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).check(q, 1)));
    expect(results.filter((r) => r.length === 0)).toHaveLength(10);
  });

  it('decides the checks of one micro-batch in one script call, in arrival order', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const calls = vi.spyOn(redis, 'evalsha');
    const limiter = createRateLimiter(redis, prefix, { log, now: () => WINDOW_START });
    const q = [quota(3)];
    const results = await Promise.all(Array.from({ length: 5 }, () => limiter.check(q, 1)));
    expect(results.map((r) => r.length)).toEqual([0, 0, 0, 1, 1]);
    expect(calls).toHaveBeenCalledTimes(1);
    redis.disconnect();
  });

  it('consumes from every quota or from none, request by request within a micro-batch', async () => {
    const limiter = createRateLimiter(redisA, prefix, { log, now: () => WINDOW_START });
    const roomy = quota(10);
    const tight = quota(1);
    const other = quota(2);
    const results = await Promise.all([
      limiter.check([roomy, tight], 1), // fits: roomy 1, tight 1
      limiter.check([roomy, tight], 1), // tight is full: consumes nothing
      limiter.check([other, roomy], 2), // fits: other 2, roomy 3
      limiter.check([roomy, other], 1), // other is full: consumes nothing
      limiter.check([roomy], 7), // fits exactly: roomy 10
      limiter.check([roomy], 1), // roomy is full
    ]);
    expect(results.map((r) => r.map((l) => l.reasonCode))).toEqual([
      [],
      ['key_quota'],
      [],
      ['key_quota'],
      [],
      ['key_quota'],
    ]);
    expect(Number(await redisA.get(`${prefix}:{quota}:${roomy.id}:60:${Math.floor(WINDOW_START / 60_000)}`))).toBe(10);
    expect(await redisA.ttl(`${prefix}:{quota}:${tight.id}:60:${Math.floor(WINDOW_START / 60_000)}`)).toBeGreaterThan(
      60,
    );
  });

  it('splits a burst larger than one script call and still counts every request once', async () => {
    const limiter = createRateLimiter(redisA, prefix, { log, now: () => WINDOW_START });
    const q = [quota(MAX_CHECKS_PER_CALL + 10)];
    const n = MAX_CHECKS_PER_CALL * 2 + 5;
    const results = await Promise.all(Array.from({ length: n }, () => limiter.check(q, 1)));
    expect(results.filter((r) => r.length === 0)).toHaveLength(MAX_CHECKS_PER_CALL + 10);
  });

  it('lets requests through when Redis is unreachable (fail open)', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    dead.on('error', () => {});
    const limiter = createRateLimiter(dead, prefix, { log });
    expect(await limiter.check([quota(0)], 1)).toEqual([]);
    dead.disconnect();
  });
});
