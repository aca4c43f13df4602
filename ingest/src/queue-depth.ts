// Backpressure for ingest: when the process-event queue holds more than QUEUE_MAX_DEPTH jobs
// (the worker is down or far behind), ingest answers 429 with Retry-After instead of filling
// Redis until it runs out of memory. The depth is read at most every REFRESH_MS, in the
// background: requests only look at the last value, so the check adds no latency.
import type { Logger } from '../../server/src/log.js';

/** How stale the depth may be; at 10 000 req/s, a 100 ms window overshoots by ~1 000 jobs. */
export const QUEUE_DEPTH_REFRESH_MS = 100;
/** Retry-After of a queue-full 429: long enough for a worker to catch up a little. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 10;

export interface QueueDepthGuard {
  /** True while the last measured depth is at or above the limit. */
  isFull(): boolean;
  /** The last measured depth (-1 before the first measurement). */
  depth(): number;
}

export interface QueueDepthOptions {
  maxDepth: number;
  /** Counts waiting, delayed and prioritized jobs, e.g. BullMQ `queue.getJobCounts`. */
  measure: () => Promise<number>;
  log: Logger;
  refreshMs?: number;
  now?: () => number;
}

export function createQueueDepthGuard(opts: QueueDepthOptions): QueueDepthGuard {
  const refreshMs = opts.refreshMs ?? QUEUE_DEPTH_REFRESH_MS;
  const now = opts.now ?? Date.now;
  let last = -1;
  let measuredAt = -Infinity;
  let measuring = false;

  function refresh(): void {
    if (measuring || now() - measuredAt < refreshMs) return;
    measuring = true;
    measuredAt = now();
    opts.measure().then(
      (n) => {
        if (last < opts.maxDepth && n >= opts.maxDepth) opts.log.warn({ depth: n, maxDepth: opts.maxDepth }, 'event queue is full, ingest answers 429');
        else if (last >= opts.maxDepth && n < opts.maxDepth) opts.log.info({ depth: n }, 'event queue below its limit again');
        last = n;
        measuring = false;
      },
      () => {
        measuring = false; // Redis trouble: the enqueue itself answers 503
      },
    );
  }

  return {
    isFull() {
      if (opts.maxDepth <= 0) return false;
      refresh();
      return last >= opts.maxDepth;
    },
    depth: () => last,
  };
}
