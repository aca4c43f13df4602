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
const dbOn = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

// The API's role (API_DATABASE_URL): its default statement_timeout survives PgBouncer, which drops
// the startup parameter. Roles are cluster-wide, so the name is this run's own.
const API_ROLE = `ft_api_${process.pid}_${Date.now().toString(36)}`;
const ROLE_TIMEOUT_MS = 300;

let bouncer: PgBouncerHandle;
beforeAll(async () => {
  bouncer = await startPgBouncer(undefined, { users: [API_ROLE] });
});
afterAll(async () => {
  await bouncer?.stop();
  // The role holds no objects (its privileges come from membership), so it drops whatever else failed.
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [API_ROLE]);
    await admin.query(`DROP ROLE IF EXISTS ${API_ROLE}`);
  } finally {
    await admin.end();
  }
});

/** An all-in-one server whose DATABASE_URL goes through PgBouncer; `env` adds to its config. */
async function serverThroughBouncer(
  db: Awaited<ReturnType<typeof createTestDatabase>>,
  prefix: string,
  env: Record<string, string>,
): Promise<{ running: Running; base: string; project: CreatedProject; token: string }> {
  const running = await start(
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
      ...env,
    }),
  );
  const base = `http://127.0.0.1:${running.port}`;
  const project = await createProject(db.pool, { baseUrl: base });
  const token = (await createMember(db.pool, { orgId: project.orgId, role: 'owner' })).token;
  return { running, base, project, token };
}

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
      ({ running, base, project, token } = await serverThroughBouncer(db, prefix, {}));
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

  describe('API_DATABASE_URL: the API as a role whose default carries statement_timeout', () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let running: Running;
    let project: CreatedProject;
    let base: string;
    let token: string;
    const prefix = testRedisPrefix();
    const asRole = (url: string) => {
      const u = new URL(url);
      u.username = API_ROLE;
      u.password = '';
      return u.toString();
    };

    beforeAll(async () => {
      db = await createTestDatabase();
      // The privileges of the tables' owner, as an operator would (docs/scaling.md: IN ROLE faultline).
      const { rows } = await db.pool.query<{ owner: string }>(
        "SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'issues'",
      );
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      try {
        await admin.query(`CREATE ROLE ${API_ROLE} LOGIN IN ROLE "${rows[0]!.owner}"`);
        await admin.query(`ALTER ROLE ${API_ROLE} SET statement_timeout = '${ROLE_TIMEOUT_MS}ms'`);
      } finally {
        await admin.end();
      }
      ({ running, base, project, token } = await serverThroughBouncer(db, prefix, {
        API_DATABASE_URL: asRole(bouncer.via(db.url)),
        API_STATEMENT_TIMEOUT_MS: String(ROLE_TIMEOUT_MS), // sent at connect, dropped by PgBouncer
      }));
    }, 120_000);
    afterAll(async () => {
      await running?.stop();
      await cleanRedisPrefix(prefix);
      await db?.drop();
    });

    it('PgBouncer drops the startup parameter; the role default reaches the server connection', async () => {
      const plain = createPool(bouncer.via(db.url), 1, { statementTimeoutMs: ROLE_TIMEOUT_MS });
      const api = createPool(asRole(bouncer.via(db.url)), 1, { statementTimeoutMs: ROLE_TIMEOUT_MS });
      try {
        const show = async (p: typeof plain) =>
          (await p.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]!.statement_timeout;
        expect(await show(plain)).not.toBe(`${ROLE_TIMEOUT_MS}ms`); // the bug: lost on the way
        expect(await show(api)).toBe(`${ROLE_TIMEOUT_MS}ms`);
      } finally {
        await Promise.all([plain.end(), api.end()]);
      }
    });

    it(
      'an API query running past it answers 503 query-timeout; the worker is not cut off',
      { timeout: 120_000 },
      async () => {
        const p = `/projects/${project.orgSlug}/${project.slug}`;
        const list = (signal?: AbortSignal) =>
          fetch(`${base}/api/0${p}/issues/`, { headers: { authorization: `Bearer ${token}` }, signal });
        expect((await list()).status).toBe(200);

        // Hold the issues table (directly on Postgres): the API's list waits on the lock until the
        // role's statement_timeout cancels it.
        const locker = new pg.Client({ connectionString: dbOn(ADMIN_URL, db.name) });
        await locker.connect();
        try {
          await locker.query('BEGIN');
          await locker.query('LOCK TABLE issues IN ACCESS EXCLUSIVE MODE');
          const res = await list(AbortSignal.timeout(60_000)); // without the role's timeout: waits for the lock
          expect(res.status).toBe(503);
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe('query-timeout');
        } finally {
          await locker.query('ROLLBACK').catch(() => {});
          await locker.end();
        }
        expect((await list()).status).toBe(200); // the API's connections stay usable

        // The worker's pool (DATABASE_URL, through the same PgBouncer as its own user) has no limit:
        // a statement several times longer than the API's bound completes.
        const slept = await running.deps.pool.query<{ one: number }>(
          `SELECT 1 AS one FROM pg_sleep(${(ROLE_TIMEOUT_MS * 4) / 1000})`,
        );
        expect(slept.rows).toEqual([{ one: 1 }]);
        // And the pipeline through it stores an SDK event, which the API then lists.
        await run(process.execPath, [APP, 'several'], { env: { ...process.env, DSN: project.dsn }, timeout: 60_000 });
        await waitFor(
          async () => {
            const r = await list();
            return r.status === 200 && ((await r.json()) as unknown[]).length === 3;
          },
          { timeout: 60_000, interval: 250, message: 'three issues through the API' },
        );
      },
    );
  });
});
