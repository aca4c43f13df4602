// What the ingest role takes from the dependencies its entrypoint builds once (the server's
// deps.ts `Deps` has all of it): ingest reads only these, so it never imports the server's config.
import type { Queue } from 'bullmq';
import type { KeyQuotas } from './keys.js';
import type { Logger } from './log.js';
import type { Queryable } from './queryable.js';
import type { ProcessJob } from './queues.js';
import type { RedisClient } from './redis.js';

/**
 * INGEST_LINGER_MS by default: how long ingest's producer collects accepted items into one queue
 * job (ingest/src/limits.ts, ENQUEUE_BATCH_WAIT_MS, says why 5).
 */
export const DEFAULT_INGEST_LINGER_MS = 5;

export interface IngestDeps {
  config: {
    /** waitReplicas: REDIS_WAIT_REPLICAS, the replicas a queue add waits for before the 200. */
    redis: { prefix: string; waitReplicas: number };
    /** lingerMs: INGEST_LINGER_MS (absent: DEFAULT_INGEST_LINGER_MS). */
    ingest: { maxEventBytes: number; maxEnvelopeBytes: number; lingerMs?: number };
    protection: { queueMaxDepth: number; quotas: KeyQuotas };
    /** SPOOL_DIR and SPOOL_MAX_MB (in bytes; 0: no spool). */
    spool: { dir: string; maxBytes: number };
  };
  log: Logger;
  pool: Queryable;
  /** Request-path Redis client (fails fast when Redis is down). */
  redis: RedisClient;
  /** Producer for the process-event queue. */
  queue: Queue<ProcessJob>;
  /** The queue's own connection: a Redis WAIT confirming an add must run on it (REDIS_WAIT_REPLICAS). */
  queueRedis?: RedisClient;
}
