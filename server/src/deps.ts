// The dependencies entrypoints build once and hand down: no module builds its own pools.
import type { Queue } from 'bullmq';
import type { RedisClient } from './shared/redis.js';
import type { Config } from './config.js';
import type { Logger } from './shared/log.js';
import type { Pool } from './db/pool.js';
import type { ReadPool } from './db/read-pool.js';
import type { ProcessJob } from './shared/queues.js';
import type { OidcClient } from './sso/oidc-client.js';
import type { AlertState } from './alerts/state.js';

export interface Deps {
  config: Config;
  log: Logger;
  pool: Pool;
  /** API reads that may come from a replica (list, detail, stats, search); absent: use pool. */
  readPool?: ReadPool;
  /** Request-path Redis client (fails fast when Redis is down). */
  redis: RedisClient;
  /** Producer for the process-event queue. */
  queue: Queue<ProcessJob>;
  /** The alert evaluator's rule cache and the send-alert producer (alerts/state.ts). */
  alerts: AlertState;
  /** The queue's own connection: a Redis WAIT confirming an add must run on it (REDIS_WAIT_REPLICAS). */
  queueRedis?: RedisClient;
  /** The OpenID Connect relying party (API roles, when OIDC_ISSUER is set). */
  oidc?: OidcClient | null;
}
