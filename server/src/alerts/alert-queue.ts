// The send-alert queue: job payloads and the producer. Webhook and Slack deliveries get one job
// each; emails are bundled per recipient: the first alert in a digest window goes out at once,
// later ones in the window wait for one digest job at the window's end.
import { createHash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../shared/redis.js';
import { z } from 'zod';
import type { AlertsConfig } from '../config.js';
import { bullPrefix } from '../shared/queues.js';
import type { Channel } from './queries.js';

export const QUEUE_SEND_ALERT = 'send-alert';

export const sendAlertJobSchema = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), kind: z.literal('digest'), digestKey: z.string().min(1) }),
  z.object({ v: z.literal(1), kind: z.literal('delivery'), deliveryId: z.string().regex(/^\d+$/) }),
]);
export type SendAlertJob = z.infer<typeof sendAlertJobSchema>;

export function alertJobOptions(cfg: AlertsConfig): JobsOptions {
  return {
    attempts: cfg.deliveryAttempts,
    backoff: { type: 'exponential', delay: cfg.retryDelayMs },
    // Removed on completion so a later digest of the same window id can be added again.
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * The send-alert producer. It wraps the caller's Redis client (shared: closing the queue leaves
 * it open), so it adds no connection of its own; the worker entrypoint builds one per process.
 */
export function createAlertQueue(redis: RedisClient, prefix: string, cfg: AlertsConfig): Queue<SendAlertJob> {
  const q = new Queue<SendAlertJob>(QUEUE_SEND_ALERT, {
    connection: redis,
    prefix: bullPrefix(prefix),
    defaultJobOptions: alertJobOptions(cfg),
  });
  q.on('error', () => {}); // surfaces on the add() that fails, which the caller handles
  return q;
}

// KEYS[1]: the digest window of one recipient. Opens it (value: opening time) or reports when
// it was opened and how long it still lasts.
const OPEN_WINDOW = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ARGV[1], 0} end
return {0, redis.call('GET', KEYS[1]) or ARGV[1], redis.call('PTTL', KEYS[1])}`;

export interface PendingDelivery {
  id: string;
  channel: Channel;
  digestKey: string | null;
}

export interface EnqueueDeps {
  queue: Queue<SendAlertJob>;
  redis: RedisClient;
  prefix: string;
  cfg: AlertsConfig;
}

export function digestHash(digestKey: string): string {
  return createHash('sha256').update(digestKey).digest('hex').slice(0, 20);
}

/** Enqueues the jobs for freshly recorded deliveries (after their rows are committed). */
export async function enqueueDeliveries(d: EnqueueDeps, deliveries: PendingDelivery[], now: number): Promise<void> {
  const jobs: Array<{ name: string; data: SendAlertJob; opts: JobsOptions }> = [];
  const digestKeys = new Set<string>();
  for (const del of deliveries) {
    if (del.digestKey === null) {
      jobs.push({
        name: del.channel,
        data: { v: 1, kind: 'delivery', deliveryId: del.id },
        opts: { jobId: `delivery-${del.id}` },
      });
    } else {
      digestKeys.add(del.digestKey);
    }
  }
  for (const key of digestKeys) {
    const h = digestHash(key);
    const data: SendAlertJob = { v: 1, kind: 'digest', digestKey: key };
    if (d.cfg.digestWindowMs === 0) {
      jobs.push({ name: 'email', data, opts: { jobId: `digest-${h}-${now}` } });
      continue;
    }
    const [opened, openedAt, ttl] = (await d.redis.eval(
      OPEN_WINDOW,
      1,
      `${d.prefix}:{alerts}:digest-window:${h}`,
      now,
      d.cfg.digestWindowMs,
    )) as [number, string, number];
    jobs.push(
      opened === 1
        ? { name: 'email', data, opts: { jobId: `digest-${h}-${openedAt}` } }
        : { name: 'email', data, opts: { jobId: `digest-${h}-${openedAt}-tail`, delay: Math.max(0, ttl) } },
    );
  }
  if (jobs.length > 0) await d.queue.addBulk(jobs);
}

/** Re-enqueues deliveries whose job never made it to Redis (the sweeper calls this). */
export async function enqueueStranded(d: EnqueueDeps, deliveries: PendingDelivery[], now: number): Promise<void> {
  const minute = Math.floor(now / 60_000);
  const jobs = deliveries.map((del) =>
    del.digestKey === null
      ? {
          name: del.channel,
          data: { v: 1 as const, kind: 'delivery' as const, deliveryId: del.id },
          opts: { jobId: `delivery-${del.id}-sweep-${minute}` },
        }
      : {
          name: 'email',
          data: { v: 1 as const, kind: 'digest' as const, digestKey: del.digestKey },
          opts: { jobId: `digest-${digestHash(del.digestKey)}-sweep-${minute}` },
        },
  );
  if (jobs.length > 0) await d.queue.addBulk(jobs);
}
