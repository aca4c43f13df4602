// The alert evaluator's per-process state: the cache of each project's rules and the send-alert
// producer. An entrypoint (main.ts) builds it once and hands it down in the deps; no module keeps
// its own copy.
import type { Queue } from 'bullmq';
import type { RedisClient } from '../shared/redis.js';
import type { AlertsConfig } from '../config.js';
import { createAlertQueue, type SendAlertJob } from './alert-queue.js';
import { RuleCache } from './rule-cache.js';

export interface AlertState {
  /** Each project's alert rules, invalidated by a version counter in Redis (rule-cache.ts). */
  rules: RuleCache;
  /** The send-alert producer, over the caller's Redis client. */
  queue: Queue<SendAlertJob>;
}

/** close() closes the producer; its Redis client stays the caller's to close. */
export function createAlertState(
  redis: RedisClient,
  prefix: string,
  cfg: AlertsConfig,
): AlertState & { close: () => Promise<void> } {
  const queue = createAlertQueue(redis, prefix, cfg);
  return { rules: new RuleCache(), queue, close: () => queue.close() };
}
