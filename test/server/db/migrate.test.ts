import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import { listMigrations, migrate, migrationChecksum, MIGRATIONS_DIR } from '../../../server/src/db/migrate.js';

describe('migrate', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

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

  it("records each file's checksum and refuses to start when an applied migration was edited", async () => {
    const files = await listMigrations();
    const { rows } = await db.pool.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);

    const dir = await mkdtemp(path.join(tmpdir(), 'ft-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const edited = files.find((f) => f.version === 80)!;
      await appendFile(path.join(dir, path.basename(edited.file)), '\n-- edited after it was applied\n');
      await expect(migrate(db.pool, { dir })).rejects.toThrow(
        /0080_compressed_event_payloads\.sql changed after they were applied.*new migration/,
      );
      // A line-ending-only difference (a CRLF checkout) is not an edit.
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      expect(migrationChecksum('a;\r\nb;\r\n')).toBe(migrationChecksum('a;\nb;\n'));
      expect(await migrate(db.pool, { dir })).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fills the checksums of rows applied before the ledger kept them', async () => {
    await db.pool.query('UPDATE schema_migrations SET checksum = NULL');
    expect(await migrate(db.pool)).toEqual([]);
    const { rows } = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM schema_migrations WHERE checksum IS NULL',
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('repairs a database whose 0080 added payload_gz (before that file was edited in place)', async () => {
    await db.pool.query('ALTER TABLE events RENAME COLUMN payload_z TO payload_gz');
    await db.pool.query('DELETE FROM schema_migrations WHERE version = 126');
    expect(await migrate(db.pool)).toContain(126);
    const { rows } = await db.pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'events' AND column_name LIKE 'payload%' ORDER BY 1`,
    );
    expect(rows.map((r) => r.column_name)).toEqual(['payload', 'payload_z']);
  });

  it('creates daily event partitions', async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'events'::regclass`,
    );
    expect(rows[0]!.n).toBeGreaterThan(30);
  });
});
