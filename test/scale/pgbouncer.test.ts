// Faultline behind PgBouncer in transaction mode (Debian's pgbouncer on a spare port): every
// transaction may land on another server connection, so nothing may rely on session state.
// Migrations from two processes at once (transaction-scoped lock), then the real pipeline and API
// flows: the official @sentry/node SDK reports errors, the worker stores and groups them, the API
// lists, shows, resolves and reads back. (`scripts/test-through-pgbouncer.sh` runs whole suites so.)
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { createPool } from '../../server/src/db/pool.js';
import { listMigrations, migrate } from '../../server/src/db/migrate.js';
import { start, type Running } from '../../server/src/main.js';
import { createTestDatabase } from '../helpers/db.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { startPgBouncer, type PgBouncerHandle } from '../helpers/pgbouncer.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { createMember } from '../helpers/api-factories.js';

const run = promisify(execFile);
const APP = fileURLToPath(new URL('../server/alerts/programs/sentry-app.mjs', import.meta.url));
const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let bouncer: PgBouncerHandle;
beforeAll(async () => {
  bouncer = await startPgBouncer();
});
afterAll(async () => {
  await bouncer?.stop();
});

describe('behind PgBouncer in transaction mode', () => {
  it('two processes migrate an empty database at once, each file applied once', { timeout: 120_000 }, async () => {
    const name = `ft_bouncer_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    const pools = [createPool(bouncer.via(url.toString()), 2), createPool(bouncer.via(url.toString()), 2)];
    try {
      const [a, b] = await Promise.all(pools.map((p) => migrate(p)));
      const files = (await listMigrations()).map((m) => m.version);
      expect([...a!, ...b!].sort((x, y) => x - y)).toEqual(files); // together all, none twice
      const { rows } = await pools[0]!.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.version)).toEqual(files);
      expect(await migrate(pools[1]!)).toEqual([]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  describe('a server whose DATABASE_URL is PgBouncer', () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let running: Running;
    let project: CreatedProject;
    let base: string;
    let token: string;
    const prefix = testRedisPrefix();

    beforeAll(async () => {
      db = await createTestDatabase();
      running = await start(
        loadConfig({
          ROLE: 'all',
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'silent',
          UDP_ENABLED: 'false',
          DATABASE_URL: bouncer.via(db.url),
          REDIS_URL: TEST_REDIS_URL,
          REDIS_PREFIX: prefix,
          RUN_MIGRATIONS: 'true',
          WORKER_BATCH_WAIT_MS: '1',
        }),
      );
      base = `http://127.0.0.1:${running.port}`;
      project = await createProject(db.pool, { baseUrl: base });
      token = (await createMember(db.pool, { orgId: project.orgId, role: 'owner' })).token;
    }, 120_000);
    afterAll(async () => {
      await running?.stop();
      await cleanRedisPrefix(prefix);
      await db?.drop();
    });

    const api = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${base}/api/0${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      });
      return { status: res.status, body: (await res.json()) as any };
    };

    it('stores, groups, lists, resolves and reads back SDK errors', { timeout: 120_000 }, async () => {
      await run(process.execPath, [APP, 'several'], { env: { ...process.env, DSN: project.dsn }, timeout: 60_000 });
      const p = `/projects/${project.orgSlug}/${project.slug}`;
      const issues = await waitFor(
        async () => {
          const r = await api(`${p}/issues/`);
          return r.status === 200 && r.body.length === 3 ? r.body : null;
        },
        { timeout: 60_000, interval: 250, message: 'three issues through the API' },
      );
      const quota = issues.find((i: { title: string }) => i.title.startsWith('QuotaError'));
      expect(quota).toBeDefined();

      const resolved = await api(`/issues/${quota.id}/`, {
        method: 'PUT',
        body: JSON.stringify({ status: 'resolved' }),
      });
      expect(resolved.status).toBe(200);
      expect((await api(`/issues/${quota.id}/`)).body.status).toBe('resolved');
      const events = await api(`/issues/${quota.id}/events/`);
      expect(events.status).toBe(200);
      expect(events.body).toHaveLength(1);
      const search = await api(`${p}/issues/?query=${encodeURIComponent('is:unresolved')}`);
      expect(search.body.map((i: { id: string }) => i.id).sort()).toEqual(
        issues
          .filter((i: { id: string }) => i.id !== quota.id)
          .map((i: { id: string }) => i.id)
          .sort(),
      );
      expect((await api(`${p}/stats/?stat=received`)).status).toBe(200);
    });
  });
});
