// Per-test-file Postgres: each file gets its own database cloned from the migrated template.
import { inject } from 'vitest';
import pg from 'pg';
import { createPool, type Pool } from '../../server/src/db/pool.js';

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Set (e.g. by scripts/test-through-pgbouncer.sh) to reach each test database through a pooler
 *  such as PgBouncer in transaction mode: `postgres://postgres@127.0.0.1:6432`. Creating and
 *  dropping databases still goes to ADMIN_URL. */
const CLIENT_URL = process.env.TEST_PG_CLIENT_URL ?? ADMIN_URL;
let counter = 0;

export function dbUrl(name: string): string {
  const url = new URL(CLIENT_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates a fresh database from the template and returns its URL and a pool. */
export async function createTestDatabase(): Promise<{
  url: string;
  pool: Pool;
  name: string;
  drop: () => Promise<void>;
}> {
  const runId = inject('runId');
  const template = inject('templateDb');
  const name = `ft_${runId}_${process.env.VITEST_POOL_ID ?? '0'}_${process.pid}_${counter++}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    // CREATE DATABASE ... TEMPLATE fails while another session is connected to the template;
    // nothing stays connected to it after global setup, but retry briefly in case.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        break;
      } catch (err) {
        if (attempt > 20 || (err as { code?: string }).code !== '55006') throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = dbUrl(name);
  const pool = createPool(url, 5);
  return {
    url,
    pool,
    name,
    drop: async () => {
      await pool.end();
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
