// Moves the outcome counters from Redis (shared/outcomes/outcome-counter.ts) into outcome_counts.
// The live hash is renamed to a snapshot key in one atomic step and the snapshot's name kept in a
// pending set; the snapshot is upserted together with its id in the flush ledger, then deleted.
// A crash at any point leaves a snapshot that the next flush (of any worker) finishes exactly once.
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../shared/redis.js';
import type { Pool } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import type { Logger } from '../shared/log.js';
import { outcomesKey, parseOutcomeField } from '../shared/outcomes/outcome-counter.js';
import { runScript } from '../shared/outcomes/quota-script.js';
import { deleteOldOutcomeFlushes, insertOutcomeFlush, upsertOutcomeCounts, type OutcomeCountRow } from './queries.js';

/** How often the schedule flushes; the stats API also reads the live hash, so this is not latency. */
export const OUTCOME_FLUSH_INTERVAL_MS = 10_000;
/** Ledger rows older than this are pruned: any snapshot is flushed long before. */
const LEDGER_KEEP_MS = 7 * 24 * 3600 * 1000;

// KEYS[1] live hash, KEYS[2] pending set, KEYS[3] snapshot name. Renames only a non-empty hash.
const SNAPSHOT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[3])
redis.call('SADD', KEYS[2], KEYS[3])
return 1
`;

export interface FlushDeps {
  pool: Pool;
  redis: RedisClient;
  prefix: string;
  log: Logger;
}

function pendingKey(prefix: string): string {
  return `${prefix}:{outcomes}:pending`;
}

/** Flushes every pending snapshot and the current counters; returns the number of rows written. */
export async function flushOutcomes(deps: FlushDeps): Promise<number> {
  const snapshot = `${deps.prefix}:{outcomes}:snapshot:${randomUUID()}`;
  await runScript(deps.redis, SNAPSHOT_SCRIPT, [outcomesKey(deps.prefix), pendingKey(deps.prefix), snapshot], []);
  let written = 0;
  for (const key of await deps.redis.smembers(pendingKey(deps.prefix))) written += await flushSnapshot(deps, key);
  return written;
}

async function flushSnapshot(deps: FlushDeps, key: string): Promise<number> {
  const fields = await deps.redis.hgetall(key);
  const rows: OutcomeCountRow[] = [];
  for (const [field, n] of Object.entries(fields)) {
    const row = parseOutcomeField(field, Number(n));
    const hour = new Date((row?.hour ?? NaN) * 1000);
    // A field that cannot be read must not block every later flush: it is skipped.
    if (!row || !Number.isSafeInteger(row.quantity) || row.quantity === 0 || Number.isNaN(hour.getTime())) continue;
    rows.push({ ...row, hour: hour.toISOString() });
  }
  const id = key.slice(key.lastIndexOf(':') + 1);
  const inserted = await withTransaction(deps.pool, async (tx) => {
    if (!(await insertOutcomeFlush(tx, id))) return false;
    await upsertOutcomeCounts(tx, rows);
    return true;
  });
  await deps.redis.multi().del(key).srem(pendingKey(deps.prefix), key).exec();
  return inserted ? rows.length : 0;
}
/** Prunes the flush ledger (the schedule runs this hourly); returns the rows deleted. */
export function pruneOutcomeLedger(pool: Pool, now = Date.now()): Promise<number> {
  return deleteOldOutcomeFlushes(pool, new Date(now - LEDGER_KEEP_MS));
}
