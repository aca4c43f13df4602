// Runs unmerges in the background (worker role): claims a running unmerge by lease (one runner per
// unmerge, across processes), moves its events batch by batch in short transactions with a pause
// between them, so the pipeline's transactions on the same issues keep committing meanwhile, then
// finishes it. A runner that dies lets its lease lapse; another picks the unmerge up at its cursor.
import type { Pool } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import type { Logger } from '../shared/log.js';
import { finishUnmerge } from './unmerge-finish.js';
import { runUnmergeBatch } from './unmerge-queries.js';

export const UNMERGE_BATCH_SIZE = 1000;
const LEASE_MS = 60_000; // renewed every batch; a batch takes well under a second
const POLL_MS = 1000;
const PAUSE_MS = 20; // between batches: lets waiting pipeline transactions take the issue locks
const RETRY_MS = 5000;

export interface UnmergeRunnerOptions {
  batchSize?: number;
  pollMs?: number;
}

export function startUnmergeRunner(
  deps: { pool: Pool; log: Logger },
  opts: UnmergeRunnerOptions = {},
): { close: () => Promise<void> } {
  const log = deps.log.child({ component: 'unmerge' });
  const batchSize = opts.batchSize ?? UNMERGE_BATCH_SIZE;
  let closed = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const runOne = async (id: string) => {
    while (!closed) {
      const r = await withTransaction(deps.pool, (tx) => runUnmergeBatch(tx, id, batchSize, LEASE_MS));
      if (!r) return;
      if (r.scanDone) {
        await finishUnmerge(deps.pool, id);
        log.info({ unmergeId: id }, 'unmerge finished');
        return;
      }
      await sleep(PAUSE_MS);
    }
  };

  const loop = (async () => {
    while (!closed) {
      try {
        const id = await claimUnmerge(deps.pool);
        if (id) await runOne(id);
        else await sleep(opts.pollMs ?? POLL_MS);
      } catch (err) {
        log.warn({ err }, 'unmerge batch failed, will retry');
        await sleep(RETRY_MS);
      }
    }
  })();

  return {
    async close() {
      closed = true;
      wake?.();
      await loop;
    },
  };
}

/** Takes the lease of one running unmerge nobody holds; its id, or null. */
async function claimUnmerge(pool: Pool): Promise<string | null> {
  const { rows } = await pool.query<{ id: string }>(
    `UPDATE issue_unmerges SET lease_until = now() + make_interval(secs => $1::double precision / 1000)
      WHERE id = (SELECT id FROM issue_unmerges WHERE status = 'running' AND (lease_until IS NULL OR lease_until < now())
                   ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [LEASE_MS],
  );
  return rows[0]?.id ?? null;
}
