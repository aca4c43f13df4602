// The API's read pool: list, detail, stats and search queries go to a streaming replica
// (DATABASE_REPLICA_URL) when one is healthy and close enough behind, else to the primary. Writes
// never come here. A replica's lag is measured against the primary's WAL position sampled every
// second, so an idle primary does not look like a lagging replica. A replica that errors or stops
// answering is skipped until its next good check; the query is re-run on the primary meanwhile.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../shared/log.js';
import { createPool, type Pool, type Queryable } from './pool.js';

const CHECK_INTERVAL_MS = 1_000;
const CHECK_TIMEOUT_MS = 1_000;
const LSN_SAMPLES = 120; // two minutes of primary positions: lag beyond that is simply "too far"

/** After a write, its author's reads stay on the primary this long: any replica serving reads is
 *  at most maxLagMs behind, as measured by a check at most a check interval old (plus one for the sample). */
export function primaryStickinessMs(maxLagMs: number): number {
  return maxLagMs + 2 * CHECK_INTERVAL_MS;
}

export interface ReplicaStatus {
  url: string;
  healthy: boolean;
  /** How far behind the primary it was at the last check (ms); null when unknown. */
  lagMs: number | null;
}

export interface ReadPool extends Queryable {
  /** Runs fn with every read of this pool on the primary (read-your-writes). */
  onPrimary<T>(fn: () => Promise<T>): Promise<T>;
  /** Resolves after one round of health checks (start-up and tests). */
  check(): Promise<void>;
  replicas(): ReplicaStatus[];
  close(): Promise<void>;
}

export interface ReadPoolOptions {
  poolSize: number;
  maxLagMs: number;
  statementTimeoutMs?: number;
  log: Logger;
}

interface Replica {
  url: string;
  pool: Pool;
  healthy: boolean;
  lagMs: number | null;
}

/** Position in the WAL of a "X/Y" LSN. */
export function lsnToBigInt(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/**
 * How far behind a replica is: the age of the oldest primary position it has not replayed yet
 * (0 when it has replayed the newest sample). Pure: samples are (time, position), oldest first.
 */
export function replicaLagMs(samples: Array<{ at: number; lsn: bigint }>, replayed: bigint, now: number): number {
  const missing = samples.find((s) => s.lsn > replayed);
  return missing ? now - missing.at : 0;
}

export function createReadPool(primary: Pool, urls: string[], opts: ReadPoolOptions): ReadPool {
  const log = opts.log.child({ component: 'db.read-pool' });
  const forcePrimary = new AsyncLocalStorage<true>();
  const replicas: Replica[] = urls.map((url) => ({
    url,
    pool: createPool(url, opts.poolSize, { statementTimeoutMs: opts.statementTimeoutMs }),
    healthy: false,
    lagMs: null,
  }));
  const samples: Array<{ at: number; lsn: bigint }> = [];
  let turn = 0;

  async function check(): Promise<void> {
    const at = Date.now();
    try {
      const { rows } = await withTimeout(
        primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'),
        CHECK_TIMEOUT_MS,
      );
      samples.push({ at, lsn: lsnToBigInt(rows[0]!.lsn) });
      if (samples.length > LSN_SAMPLES) samples.shift();
    } catch (err) {
      log.warn({ err }, 'reading the primary WAL position failed; replica lag unknown');
    }
    await Promise.all(
      replicas.map(async (r) => {
        const wasHealthy = r.healthy;
        try {
          const { rows } = await withTimeout(
            r.pool.query<{ lsn: string | null; recovering: boolean }>(
              'SELECT pg_last_wal_replay_lsn()::text AS lsn, pg_is_in_recovery() AS recovering',
            ),
            CHECK_TIMEOUT_MS,
          );
          const row = rows[0]!;
          // A promoted replica is a primary of its own: its data no longer follows ours.
          r.lagMs =
            row.recovering && row.lsn && samples.length > 0
              ? replicaLagMs(samples, lsnToBigInt(row.lsn), Date.now())
              : null;
          r.healthy = r.lagMs !== null && r.lagMs <= opts.maxLagMs;
        } catch (err) {
          r.healthy = false;
          r.lagMs = null;
          if (wasHealthy)
            log.warn({ err, replica: redact(r.url) }, 'replica check failed; its reads go to the primary');
        }
        if (r.healthy !== wasHealthy && r.healthy)
          log.info({ replica: redact(r.url), lagMs: r.lagMs }, 'replica serves reads');
        if (r.healthy !== wasHealthy && !r.healthy && r.lagMs !== null)
          log.warn({ replica: redact(r.url), lagMs: r.lagMs }, 'replica too far behind; its reads go to the primary');
      }),
    );
  }

  const timer = replicas.length > 0 ? setInterval(() => void check(), CHECK_INTERVAL_MS) : undefined;
  timer?.unref();

  function pick(): Replica | null {
    if (forcePrimary.getStore()) return null;
    const healthy = replicas.filter((r) => r.healthy);
    return healthy.length === 0 ? null : healthy[turn++ % healthy.length]!;
  }

  const query = (async (...args: Parameters<Pool['query']>) => {
    const replica = pick();
    if (!replica) return (primary.query as (...a: unknown[]) => Promise<unknown>)(...args);
    try {
      return await (replica.pool.query as (...a: unknown[]) => Promise<unknown>)(...args);
    } catch (err) {
      if (!isReplicaFailure(err)) throw err;
      replica.healthy = false; // until its next good check
      log.warn({ err, replica: redact(replica.url) }, 'replica query failed; re-running it on the primary');
      return (primary.query as (...a: unknown[]) => Promise<unknown>)(...args);
    }
  }) as unknown as Pool['query'];

  return {
    query,
    onPrimary: (fn) => forcePrimary.run(true, fn),
    check,
    replicas: () => replicas.map((r) => ({ url: redact(r.url), healthy: r.healthy, lagMs: r.lagMs })),
    async close() {
      clearInterval(timer);
      await Promise.all(replicas.map((r) => r.pool.end().catch(() => {})));
    },
  };
}

/**
 * Errors that are the replica's, not the query's: no connection, the server going away, or a
 * query cancelled because replay needed its rows (40001 on a hot standby). A query's own error
 * (bad input, statement timeout) would fail on the primary too and is passed on.
 */
function isReplicaFailure(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  // No SQLSTATE: connection refused/reset/terminated (ECONNREFUSED ...), the pool's connect timeout.
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return (
    code === '40001' ||
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '53300'
  );
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'replica';
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** Where an API read goes: the read pool when replicas are configured, else the primary pool. */
export function readsFrom(deps: { pool: Queryable; readPool?: ReadPool }): Queryable {
  return deps.readPool ?? deps.pool;
}
