// What a test that drives the worker pipeline in-process (processBatch) needs: its own database
// (a template clone), its own Redis prefix, and the pipeline's deps built from them.
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { createLogger } from '../../server/src/shared/log.js';
import type { PipelineDeps } from '../../server/src/pipeline/process-event.js';
import type { Pool } from '../../server/src/db/pool.js';
import type { Logger } from '../../server/src/shared/log.js';
import { createAlertState } from '../../server/src/alerts/state.js';
import { createTestDatabase } from './db.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from './redis.js';

export interface PipelineTestContext {
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  redis: Redis;
  prefix: string;
  deps: PipelineDeps;
  /** Removes the Redis keys, disconnects and drops the database. */
  close(): Promise<void>;
}

/** `env` adds configuration (e.g. SPIKE_EVENTS_PER_MINUTE) to the test's Redis prefix. */
export async function createPipelineTestContext(env: Record<string, string> = {}): Promise<PipelineTestContext> {
  const db = await createTestDatabase();
  const prefix = testRedisPrefix();
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  return {
    db,
    redis,
    prefix,
    deps: buildPipelineDeps(db.pool, redis, { ...env, REDIS_PREFIX: prefix }, log),
    async close() {
      await cleanRedisPrefix(prefix).catch(() => {});
      redis.disconnect();
      await db.drop();
    },
  };
}

/** The pipeline's deps as the entrypoint builds them: config from `env`, the alert state over `redis`. */
export function buildPipelineDeps(
  pool: Pool,
  redis: Redis,
  env: Record<string, string>,
  log: Logger = createLogger({ level: 'silent' }),
): PipelineDeps {
  const config = loadConfig(env);
  return { pool, redis, log, config, alerts: createAlertState(redis, config.redis.prefix, config.alerts) };
}

/**
 * The context for a whole test file: created in beforeAll, closed in afterAll. Read its fields
 * inside tests and hooks only (they are filled once beforeAll ran).
 */
export function usePipelineTestContext(env: Record<string, string> = {}): Omit<PipelineTestContext, 'close'> {
  const t = {} as PipelineTestContext;
  beforeAll(async () => {
    Object.assign(t, await createPipelineTestContext(env));
  });
  afterAll(async () => {
    await t.close?.();
  });
  return t;
}
