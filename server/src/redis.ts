// Redis client construction for entrypoints. BullMQ needs maxRetriesPerRequest: null on the
// connections it blocks on; request-path clients fail fast instead so ingest can answer 503.
import { Redis, type RedisOptions } from 'ioredis';

export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...opts,
  });
  // Errors surface on the commands that fail; without a listener ioredis would log them as unhandled.
  redis.on('error', () => {});
  return redis;
}
