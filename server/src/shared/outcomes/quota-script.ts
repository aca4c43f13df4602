// The Lua script behind the Redis rate limits (rate-limit.ts): checks the quotas of every request
// of a micro-batch, in order, and consumes each request's quantity from all of its quotas or from
// none, atomically, so several ingest processes sharing one Redis agree and one script call
// serves a whole window of requests. Fixed windows aligned to the epoch (as Sentry's quotas): the
// caller names the current window's counter keys, so no clock is read inside Redis.
import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis.js';

// KEYS[k]    the distinct counters the batch's quotas use
// ARGV[1]    number of requests; then per request: its quantity, its number of quotas n, and n
//            triples (index into KEYS, limit, counter TTL in seconds)
// Returns, per request, the 1-based indexes of its quotas the quantity does not fit in (nothing
// consumed), or an empty array after consuming from every one of them.
export const QUOTA_SCRIPT = `
local used, added, ttl, out = {}, {}, {}, {}
local p = 2
for r = 1, tonumber(ARGV[1]) do
  local qty, n = tonumber(ARGV[p]), tonumber(ARGV[p + 1])
  local first = p + 2
  local over = {}
  for i = 0, n - 1 do
    local k = tonumber(ARGV[first + 3 * i])
    if used[k] == nil then used[k] = tonumber(redis.call('GET', KEYS[k]) or '0') end
    if used[k] + qty > tonumber(ARGV[first + 3 * i + 1]) then over[#over + 1] = i + 1 end
  end
  if #over == 0 then
    for i = 0, n - 1 do
      local k = tonumber(ARGV[first + 3 * i])
      used[k] = used[k] + qty
      added[k] = (added[k] or 0) + qty
      ttl[k] = tonumber(ARGV[first + 3 * i + 2])
    end
  end
  out[r] = over
  p = first + 3 * n
end
for k, inc in pairs(added) do
  if redis.call('INCRBY', KEYS[k], inc) == inc then redis.call('EXPIRE', KEYS[k], ttl[k]) end
end
return out
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
