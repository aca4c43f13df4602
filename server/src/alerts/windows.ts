// Redis state of the evaluator: per-rule-per-issue sliding windows (event counts in time buckets,
// distinct users in a sorted set) and the action-interval gate. One pipeline per batch step;
// keys live under `${prefix}:{alerts}:` (one Redis Cluster hash slot: the pipelines and the
// two-key gate script span several keys) and expire on their own.
import type { RedisClient } from '../shared/redis.js';
import type { CounterSpec } from './rules.js';

const BUCKETS_PER_WINDOW = 60; // 60 buckets: a 5-minute window counts in 5-second steps

// KEYS[1] hash of bucket -> count. ARGV: now ms, bucket ms, window ms, increment.
// Adds to the current bucket, drops buckets older than the window, returns the window's sum.
const COUNT_EVENTS = `
local now, bucket, window, incr = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local current = math.floor(now / bucket)
local oldest = math.floor((now - window) / bucket) + 1
redis.call('HINCRBY', KEYS[1], current, incr)
local all = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #all, 2 do
  if tonumber(all[i]) < oldest then redis.call('HDEL', KEYS[1], all[i]) else total = total + tonumber(all[i + 1]) end
end
redis.call('PEXPIRE', KEYS[1], window + bucket)
return total`;

// KEYS[1] sorted set user -> last seen ms. ARGV: now ms, window ms, user key ('' for none).
const COUNT_USERS = `
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[1], now, ARGV[3]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('PEXPIRE', KEYS[1], window)
return redis.call('ZCARD', KEYS[1])`;

// KEYS[1] the action-interval gate, KEYS[2] "a suppression was recorded in this interval".
// Returns 1: fire; 2: suppressed, first time in this interval; 0: suppressed again.
const GATE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then ttl = 1 end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ttl) then return 2 end
return 0`;

export interface CounterRequest {
  ruleId: string;
  issueId: string;
  spec: CounterSpec;
  userKey: string | null;
}

/** Bumps and reads counters in one round trip; results in request order. */
export async function bumpCounters(
  redis: RedisClient,
  prefix: string,
  reqs: CounterRequest[],
  now: number,
): Promise<number[]> {
  if (reqs.length === 0) return [];
  const pipe = redis.pipeline();
  for (const r of reqs) {
    const windowMs = r.spec.minutes * 60_000;
    const key = `${prefix}:{alerts}:${r.spec.kind}:${r.ruleId}:${r.spec.minutes}:${r.issueId}`;
    if (r.spec.kind === 'events') {
      pipe.eval(COUNT_EVENTS, 1, key, now, Math.max(1000, Math.floor(windowMs / BUCKETS_PER_WINDOW)), windowMs, 1);
    } else {
      pipe.eval(COUNT_USERS, 1, key, now, windowMs, r.userKey ?? '');
    }
  }
  return (await execOrThrow(pipe)).map((v) => Number(v));
}

export type GateResult = 'fire' | 'suppressed' | 'suppressed-again';

export interface GateRequest {
  ruleId: string;
  /** The issue id, or `deploy-<id>` for deploy rules. */
  subject: string;
  intervalMs: number;
}

/** Takes the action-interval gate for each firing; results in request order. */
export async function takeGates(
  redis: RedisClient,
  prefix: string,
  reqs: GateRequest[],
  now: number,
): Promise<GateResult[]> {
  if (reqs.length === 0) return [];
  const pipe = redis.pipeline();
  for (const r of reqs) {
    const base = `${prefix}:{alerts}:gate:${r.ruleId}:${r.subject}`;
    pipe.eval(GATE, 2, base, `${base}:suppressed`, now, r.intervalMs);
  }
  const results = await execOrThrow(pipe);
  return results.map((v) => (v === 1 ? 'fire' : v === 2 ? 'suppressed' : 'suppressed-again'));
}

/** Gives gates back when recording their firings failed, so the next event can fire. */
export async function releaseGates(redis: RedisClient, prefix: string, reqs: GateRequest[]): Promise<void> {
  const keys = reqs.flatMap((r) => [
    `${prefix}:{alerts}:gate:${r.ruleId}:${r.subject}`,
    `${prefix}:{alerts}:gate:${r.ruleId}:${r.subject}:suppressed`,
  ]);
  if (keys.length > 0) await redis.del(...keys);
}

async function execOrThrow(pipe: ReturnType<RedisClient['pipeline']>): Promise<unknown[]> {
  const results = (await pipe.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw new Error(`alert window update failed in Redis: ${err.message}`, { cause: err });
    return value;
  });
}
