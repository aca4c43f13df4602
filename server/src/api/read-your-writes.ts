// Read-your-writes over replicas: after a caller's successful write (a triage PUT, a merge, a
// setting), that caller's reads stay on the primary until any replica serving reads must have
// replayed it. The mark lives in Redis so every API process honours it; without replicas this
// middleware does nothing.
import type Koa from 'koa';
import { primaryStickinessMs, type ReadPool } from '../db/read-pool.js';
import type { Logger } from '../shared/log.js';
import type { RedisClient } from '../shared/redis.js';
import { apiState } from './context.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function readYourWrites(deps: {
  readPool?: ReadPool;
  redis: RedisClient;
  prefix: string;
  maxLagMs: number;
  log: Logger;
}): Koa.Middleware {
  const { readPool } = deps;
  if (!readPool) return (_ctx, next) => next();
  const key = (userId: string) => `${deps.prefix}:recent-write:${userId}`; // single-key SET/EXISTS
  return async (ctx, next) => {
    const userId = apiState(ctx).caller?.user.id;
    if (!userId) return next();
    if (!READS.has(ctx.method)) {
      await readPool.onPrimary(next);
      if (ctx.status < 400) {
        await deps.redis.set(key(userId), '1', 'PX', primaryStickinessMs(deps.maxLagMs)).catch((err: unknown) => {
          deps.log.warn({ err }, 'marking a recent write failed; the writer may briefly read older data');
        });
      }
      return;
    }
    // Redis unreachable: the primary is always right.
    const recent = await deps.redis.exists(key(userId)).catch(() => 1);
    return recent ? readPool.onPrimary(next) : next();
  };
}
