// Postgres pool construction. Only entrypoints build pools; everything else takes a Queryable.
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type { Queryable } from '../shared/queryable.js';

/** Postgres' SQLSTATE for a statement cancelled by statement_timeout (or a cancel request). */
export const QUERY_CANCELED = '57014';

// bigint (int8) and numeric travel as strings by default; counts we read are safe as JS numbers
// only where the query casts them, so keep the default string parsing for ids.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

/** statementTimeoutMs: Postgres cancels a statement of this pool's sessions after so long (0: never).
 *  It travels as a startup parameter, which PgBouncer in transaction mode drops: there the role in
 *  `url` carries it as its default instead (API_DATABASE_URL, docs/scaling.md). */
export function createPool(url: string, max = 10, opts: { statementTimeoutMs?: number } = {}): pg.Pool {
  const timeout = opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {};
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    ...timeout,
  });
  // A pool error is a connection dropped while idle (e.g. Postgres restarted); the pool
  // replaces it on next use. Without a listener it would crash the process.
  pool.on('error', () => {});
  return pool;
}

/** Creates the database named in `url` when it does not exist (the role may create databases). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return;
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    await probe.end();
    return;
  } catch (err) {
    await probe.end().catch(() => {});
    if ((err as { code?: string }).code !== '3D000') throw err;
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently
  } finally {
    await client.end();
  }
}
