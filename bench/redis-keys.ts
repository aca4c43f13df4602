// The bench's Redis clean-up: every key matching the patterns (a run's queue and counter prefixes).
import type { createRedis } from '../server/src/shared/redis.js';

export async function deleteKeys(redis: ReturnType<typeof createRedis>, patterns: string[]): Promise<void> {
  for (const pattern of patterns) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
}
