// Bounds the payload bytes of the jobs a worker holds. BullMQ fetches jobs in a row until it holds
// WORKER_CONCURRENCY of them, whatever their size, and a micro-batch job holds up to 256 items
// (about 1 MiB): under a backlog of large events the fetched jobs and their items were most of
// the worker's memory (all-in-one RSS over 1 GB with 50 KB events). So the worker's concurrency
// follows what it holds: FETCH_STEP jobs more than it holds while their payloads are under the
// budget, none more once they reach it, never over the configured concurrency. Jobs already
// fetched always run.
import { isBatchJob } from '../shared/queues.js';

/** What the budget adjusts: BullMQ's Worker (its `concurrency` may change while it runs). */
export interface Fetcher {
  concurrency: number;
}

export interface FetchBudget {
  /** Counts a fetched job's payload bytes until the returned release() is called. */
  hold(data: unknown): () => void;
  /** The concurrency to start the worker with (it grows as jobs are held). */
  initial: number;
  /** Bytes and jobs held now (tests, metrics). */
  held(): { bytes: number; jobs: number };
}

/** Jobs fetched ahead of those held while under the budget; also the worker's starting concurrency. */
export const FETCH_STEP = 16;

export function createFetchBudget(
  fetcher: () => Fetcher | undefined,
  concurrency: number,
  maxBytes: number,
): FetchBudget {
  let bytes = 0;
  let jobs = 0;
  const adjust = () => {
    const worker = fetcher();
    if (!worker) return;
    const next = Math.max(1, Math.min(concurrency, bytes >= maxBytes ? jobs : jobs + FETCH_STEP));
    if (worker.concurrency !== next) worker.concurrency = next;
  };
  return {
    hold(data) {
      const n = payloadBytes(data);
      bytes += n;
      jobs++;
      adjust();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        bytes -= n;
        jobs--;
        adjust();
      };
    },
    initial: Math.min(concurrency, FETCH_STEP),
    held: () => ({ bytes, jobs }),
  };
}

/** The payload characters of a job's item or items (what the batcher counts too); 0 for anything else. */
export function payloadBytes(data: unknown): number {
  if (isBatchJob(data)) {
    if (!Array.isArray(data.items)) return 0;
    let n = 0;
    for (const item of data.items) n += itemBytes(item);
    return n;
  }
  return itemBytes(data);
}

function itemBytes(item: unknown): number {
  const payload = (item as { payload?: unknown } | null)?.payload;
  return typeof payload === 'string' ? payload.length : 0;
}
