// What the ingest role takes from the dependencies its entrypoint builds once (the server's
// deps.ts `Deps` has all of it): ingest reads only these, so it never imports the server's config.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { KeyQuotas } from './keys.js';
import type { Logger } from './log.js';
import type { Queryable } from './queryable.js';
import type { ProcessJob } from './queues.js';

export interface IngestDeps {
  config: {
    redis: { prefix: string };
    ingest: { maxEventBytes: number; maxEnvelopeBytes: number };
    protection: { queueMaxDepth: number; quotas: KeyQuotas };
  };
  log: Logger;
  pool: Queryable;
  /** Request-path Redis client (fails fast when Redis is down). */
  redis: Redis;
  /** Producer for the process-event queue. */
  queue: Queue<ProcessJob>;
}
