import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { listMigrations, migrate } from '../../server/src/db/migrate.js';

describe('migrate', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db.drop(); });

  it('records every migration file in the ledger and is a no-op the second time', async () => {
    const files = await listMigrations();
    const { rows } = await db.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(files.map((f) => f.version));
    expect(await migrate(db.pool)).toEqual([]);
  });

  it('refuses a database migrated by a newer build', async () => {
    await db.pool.query(`INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')`);
    await expect(migrate(db.pool)).rejects.toThrow(/newer Faultline/);
    await db.pool.query('DELETE FROM schema_migrations WHERE version = 9999');
  });

  it('creates daily event partitions', async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'events'::regclass`);
    expect(rows[0]!.n).toBeGreaterThan(30);
  });
});
