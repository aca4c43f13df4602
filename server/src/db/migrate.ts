// The migration runner: applies numbered plain .sql files from migrations/ in order, each with
// its ledger row in one transaction, under a transaction-scoped advisory lock so concurrent
// starts are safe, also behind PgBouncer in transaction mode. The
// ledger keeps each file's checksum: a migration edited after it was applied refuses the start
// (the database and the file no longer say the same thing; write a new migration instead).
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Pool, Queryable } from './pool.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const MIN_SERVER_VERSION = 140000; // PG 14: partition features and ranges we use
const LOCK_KEY = 7_246_131; // arbitrary, constant: "faultline migrations"

export interface Migration {
  version: number;
  name: string;
  file: string;
}

/** sha256 of a migration's text, line endings folded so a CRLF checkout agrees. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export async function listMigrations(dir = resolveMigrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return files.map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), file: path.join(dir, f) }));
}

/** The migrations folder next to the sources, also when running from dist/. */
function resolveMigrationsDir(): string {
  return MIGRATIONS_DIR.includes(`${path.sep}dist${path.sep}`)
    ? MIGRATIONS_DIR.replace(`${path.sep}dist${path.sep}`, path.sep)
    : MIGRATIONS_DIR;
}

export async function migrate(pool: Pool, opts: { dir?: string; log?: (msg: string) => void } = {}): Promise<number[]> {
  const migrations = await listMigrations(opts.dir);
  const texts = new Map<number, string>();
  for (const m of migrations) texts.set(m.version, await readFile(m.file, 'utf8'));
  const client = await pool.connect();
  try {
    const { rows: ver } = await client.query<{ v: string }>('SHOW server_version_num');
    if (Number(ver[0]?.v) < MIN_SERVER_VERSION) {
      throw new Error(`PostgreSQL ${ver[0]?.v} is too old: Faultline needs 14 or newer; upgrade the server`);
    }
    // Transaction-scoped locks only (PgBouncer in transaction mode hands each transaction any
    // server connection): the checks run in one locked transaction, then each file in its own,
    // which takes the lock again and skips a file another process applied meanwhile.
    const applied = await locked(client, async () => {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
      const { rows } = await client.query<{ version: number; checksum: string | null }>(
        'SELECT version, checksum FROM schema_migrations',
      );
      const applied = new Map(rows.map((r) => [r.version, r.checksum]));
      const newest = migrations.at(-1)?.version ?? 0;
      const unknown = [...applied.keys()].filter((v) => v > newest);
      if (unknown.length > 0) {
        throw new Error(
          `the database has migrations ${unknown.join(', ')} that this build does not know: ` +
            'it was migrated by a newer Faultline; run that version or restore a matching backup',
        );
      }
      await checkApplied(client, migrations, applied, texts);
      return applied;
    });
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      const sql = texts.get(m.version)!;
      const ran = await locked(client, async () => {
        const { rowCount } = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
        if (rowCount) return false; // applied by a concurrent start
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          migrationChecksum(sql),
        ]);
        return true;
      }).catch((err: unknown) => {
        throw new Error(
          `migration ${path.basename(m.file)} failed: ${(err as Error).message}; fix the file or the database and start again`,
          { cause: err },
        );
      });
      if (!ran) continue;
      opts.log?.(`applied migration ${path.basename(m.file)}`);
      done.push(m.version);
    }
    return done;
  } finally {
    client.release();
  }
}

/** Runs fn in a transaction that holds the migrations' advisory lock until it commits. */
async function locked<T>(client: Queryable, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/**
 * Compares every applied migration with its file. Rows applied before the ledger kept checksums
 * get the file's checksum now (trust on first sight: nothing can tell an older edit apart); a row
 * whose checksum differs from its file stops the start, naming every such file.
 */
async function checkApplied(
  client: Queryable,
  migrations: Migration[],
  applied: Map<number, string | null>,
  texts: Map<number, string>,
): Promise<void> {
  const edited: string[] = [];
  const missing: Array<{ version: number; checksum: string }> = [];
  for (const m of migrations) {
    if (!applied.has(m.version)) continue;
    const checksum = migrationChecksum(texts.get(m.version)!);
    const recorded = applied.get(m.version);
    if (recorded == null) missing.push({ version: m.version, checksum });
    else if (recorded !== checksum) edited.push(path.basename(m.file));
  }
  if (edited.length > 0) {
    throw new Error(
      `migration file(s) ${edited.join(', ')} changed after they were applied to this database: ` +
        'an applied migration must never be edited; restore the file as it was and put the change in a new migration',
    );
  }
  if (missing.length > 0) {
    await client.query(
      `UPDATE schema_migrations s SET checksum = u.checksum
         FROM unnest($1::int[], $2::text[]) AS u(version, checksum) WHERE s.version = u.version`,
      [missing.map((r) => r.version), missing.map((r) => r.checksum)],
    );
  }
}
