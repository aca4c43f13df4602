// The Lua script behind the Redis rate limits (rate-limit.ts): checks every quota of a request
// and consumes from all of them or from none, atomically, so several ingest processes sharing
// one Redis agree. Fixed windows aligned to the epoch (as Sentry's quotas): the caller names the
// current window's counter key, so no clock is read inside Redis.
import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis.js';

// KEYS[i]    counter of quota i in the current window
// ARGV[1]    quantity to consume
// ARGV[2i]   limit of quota i; ARGV[2i+1] its counter's TTL in seconds
// Returns the 1-based indexes of the quotas the quantity does not fit in (nothing consumed), or
// an empty array after consuming from every quota.
export const QUOTA_SCRIPT = `
local qty = tonumber(ARGV[1])
local over = {}
for i = 1, #KEYS do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used + qty > tonumber(ARGV[2 * i]) then over[#over + 1] = i end
end
if #over > 0 then return over end
for i = 1, #KEYS do
  if redis.call('INCRBY', KEYS[i], qty) == qty then
    redis.call('EXPIRE', KEYS[i], tonumber(ARGV[2 * i + 1]))
  end
end
return over
`;

const shas = new Map<string, string>();

/** EVALSHA with a fallback to EVAL when the script is not cached in Redis yet (or after a flush). */
export async function runScript(
  redis: RedisClient,
  script: string,
  keys: string[],
  args: Array<string | number>,
): Promise<unknown> {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}
