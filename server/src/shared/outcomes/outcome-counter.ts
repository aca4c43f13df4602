// Counts outcomes (outcomes.ts) per project, hour, data category, outcome and reason in one Redis
// hash: ingest adds them up in memory for FLUSH_MS and writes one pipeline of HINCRBYs; the
// worker does the same per batch. The worker later moves the hash into Postgres
// (server/src/outcomes/flush.ts), so counting costs no query on the hot path.
import type { RedisClient } from '../redis.js';
import type { Logger } from '../log.js';
import type { Outcome } from './outcomes.js';

/** How long ingest adds up outcomes before writing them (a crash loses at most this much). */
export const OUTCOMES_FLUSH_MS = 250;
/** Distinct counters kept while Redis is unreachable; beyond this new ones are dropped (and logged). */
export const MAX_PENDING_FIELDS = 10_000;
/** Outcomes that cannot be attributed to a project (unknown key, no auth) count under project 0. */
export const NO_PROJECT = '0';

/** The hash every process increments; `{outcomes}` keeps the flush's keys in one cluster slot. */
export function outcomesKey(prefix: string): string {
  return `${prefix}:{outcomes}:live`;
}

export interface OutcomeRow {
  projectId: string;
  /** Start of the hour, seconds since the epoch. */
  hour: number;
  category: string;
  outcome: string;
  reason: string;
  quantity: number;
}

export function outcomeField(projectId: string, hour: number, category: string, o: Outcome): string {
  return `${hour}|${projectId}|${category}|${o.outcome}|${'reason' in o ? o.reason : ''}`;
}

export function parseOutcomeField(field: string, quantity: number): OutcomeRow | null {
  const [hour, projectId, category, outcome, reason] = field.split('|');
  if (reason === undefined || !/^\d+$/.test(hour ?? '') || !/^\d+$/.test(projectId ?? '')) return null;
  return { hour: Number(hour), projectId: projectId!, category: category!, outcome: outcome!, reason, quantity };
}

export function hourOf(ms: number): number {
  return Math.floor(ms / 3_600_000) * 3600;
}

export interface OutcomeCounter {
  add(projectId: string | null, category: string, outcome: Outcome, quantity?: number, at?: number): void;
  /** Writes what was added so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createOutcomeCounter(
  redis: RedisClient,
  prefix: string,
  opts: { log: Logger; flushMs?: number },
): OutcomeCounter {
  const flushMs = opts.flushMs ?? OUTCOMES_FLUSH_MS;
  let pending = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let droppedFields = 0;

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return writing;
    const batch = pending;
    pending = new Map();
    writing = writing.then(() =>
      writeOutcomes(redis, prefix, batch).catch((err: unknown) => {
        opts.log.warn({ err, fields: batch.size }, 'writing outcome counters failed, keeping them for the next flush');
        for (const [field, n] of batch) merge(field, n);
      }),
    );
    return writing;
  }

  function merge(field: string, n: number): void {
    const had = pending.get(field);
    if (had === undefined && pending.size >= MAX_PENDING_FIELDS) {
      if (droppedFields++ % 1000 === 0)
        opts.log.warn({ droppedFields }, 'outcome counters overflowed while Redis is unreachable');
      return;
    }
    pending.set(field, (had ?? 0) + n);
  }

  return {
    add(projectId, category, outcome, quantity = 1, at = Date.now()) {
      if (quantity <= 0) return;
      merge(outcomeField(projectId ?? NO_PROJECT, hourOf(at), category, outcome), quantity);
      timer ??= setTimeout(() => void flush(), flushMs);
      timer.unref?.();
    },
    flush,
    close: flush,
  };
}

/** One pipeline of HINCRBYs; rejects when Redis did not take them. */
export async function writeOutcomes(redis: RedisClient, prefix: string, counts: Map<string, number>): Promise<void> {
  if (counts.size === 0) return;
  const key = outcomesKey(prefix);
  const pipeline = redis.pipeline();
  for (const [field, n] of counts) pipeline.hincrby(key, field, n);
  const results = await pipeline.exec();
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
}
