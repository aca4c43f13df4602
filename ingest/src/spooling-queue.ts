// The queue as ingest sees it when the spool (spool.ts) is on: a bulk add goes to Redis while it
// is reachable and nothing waits in the spool, else — or when the add fails or hangs, as during a
// Cluster failover — to the spool, which later hands the same jobs to this queue's own addBulk.
import { withTimeout, type Spool, type SpoolJob, type SpoolLog } from './spool.js';

export interface BulkQueue<J extends SpoolJob> {
  readonly name: string;
  addBulk(jobs: J[]): Promise<unknown>;
}

export function spoolingQueue<J extends SpoolJob>(
  queue: BulkQueue<J>,
  spool: Spool,
  opts: { isReady: () => boolean; timeoutMs: number; log: SpoolLog },
): BulkQueue<J> {
  // The jobs were checked when they were made; the spool gives back exactly what it was given.
  spool.register(queue.name, (jobs) => queue.addBulk(jobs as J[]));
  return {
    name: queue.name,
    async addBulk(jobs) {
      if (spool.isSpooling() || !opts.isReady()) return spool.append(queue.name, jobs);
      try {
        return await withTimeout(queue.addBulk(jobs), opts.timeoutMs);
      } catch (err) {
        opts.log.warn({ err, jobs: jobs.length }, 'queue add failed, spooling');
        return spool.append(queue.name, jobs);
      }
    },
  };
}
