// Backpressure for ingest: when the process-event queue holds more than QUEUE_MAX_DEPTH jobs
// (the worker is down or far behind), or Redis is above REDIS_MEMORY_FULL_RATIO of its
// maxmemory, ingest answers 429 with Retry-After instead of filling Redis until it dies. Both
// are read at most every REFRESH_MS, in the background: requests only look at the last value.
import type { Logger } from '../../server/src/shared/log.js';

/** How stale the depth may be; at 10 000 req/s, a 100 ms window overshoots by ~1 000 jobs. */
export const QUEUE_DEPTH_REFRESH_MS = 100;
/** Retry-After of a queue-full 429: long enough for a worker to catch up a little. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 10;
/** Share of Redis' maxmemory (when one is set) above which nothing more is queued. */
export const REDIS_MEMORY_FULL_RATIO = 0.9;

export interface QueueLoad {
  /** Jobs waiting, delayed or prioritized. */
  depth: number;
  /** used_memory / maxmemory, or null when Redis has no maxmemory. */
  memoryRatio: number | null;
}

export interface QueueDepthGuard {
  /** True while the last measured depth is at or above the limit. */
  isFull(): boolean;
  /** The last measured depth (-1 before the first measurement). */
  depth(): number;
}

export interface QueueDepthOptions {
  maxDepth: number;
  /** Counts waiting, delayed and prioritized jobs and reads Redis' memory use (measureQueueLoad). */
  measure: () => Promise<QueueLoad>;
  log: Logger;
  refreshMs?: number;
  now?: () => number;
}

export function createQueueDepthGuard(opts: QueueDepthOptions): QueueDepthGuard {
  const refreshMs = opts.refreshMs ?? QUEUE_DEPTH_REFRESH_MS;
  const now = opts.now ?? Date.now;
  let last = -1;
  let full = false;
  let measuredAt = -Infinity;
  let measuring = false;

  function refresh(): void {
    if (measuring || now() - measuredAt < refreshMs) return;
    measuring = true;
    measuredAt = now();
    opts.measure().then(
      (load) => {
        const nowFull =
          (opts.maxDepth > 0 && load.depth >= opts.maxDepth) ||
          (load.memoryRatio !== null && load.memoryRatio >= REDIS_MEMORY_FULL_RATIO);
        if (!full && nowFull)
          opts.log.warn({ ...load, maxDepth: opts.maxDepth }, 'event queue is full, ingest answers 429');
        else if (full && !nowFull) opts.log.info(load, 'event queue below its limit again');
        last = load.depth;
        full = nowFull;
        measuring = false;
      },
      () => {
        measuring = false; // Redis trouble: the enqueue itself answers 503
      },
    );
  }

  return {
    isFull() {
      refresh();
      return full;
    },
    depth: () => last,
  };
}

/** The load of a BullMQ queue and its Redis: job counts and INFO memory, in parallel. */
export async function measureQueueLoad(
  queue: { getJobCounts(...types: Array<'wait' | 'delayed' | 'prioritized'>): Promise<Record<string, number>> },
  redis: { info(section: 'memory'): Promise<string> },
): Promise<QueueLoad> {
  const [counts, info] = await Promise.all([
    queue.getJobCounts('wait', 'delayed', 'prioritized'),
    redis.info('memory'),
  ]);
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  const max = field('maxmemory');
  return {
    depth: Object.values(counts).reduce((a, b) => a + b, 0),
    memoryRatio: max > 0 ? field('used_memory') / max : null,
  };
}
