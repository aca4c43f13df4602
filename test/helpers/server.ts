// Starts a real Faultline (the same start() as production) on a random port against a fresh
// test database and a private Redis prefix, with one org/project/key already inserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/src/config.js';
import { start, type Running, type StartOptions } from '../../server/src/main.js';
import type { Deps } from '../../server/src/deps.js';
import type { Pool } from '../../server/src/db/pool.js';
import { createTestDatabase } from './db.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from './redis.js';
import { createProject, type CreatedProject } from './factories.js';

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  running: Running;
  deps: Deps;
  /** A separate pool on the test database, for setup and assertions. */
  pool: Pool;
  dbUrl: string;
  redisPrefix: string;
  project: CreatedProject;
  stop: () => Promise<void>;
}

/**
 * ROLE defaults to `ingest` (no worker, no migrations: the test database is cloned from the
 * migrated template). Pass env overrides, e.g. `{ ROLE: 'all' }` or `{ MAX_EVENT_BYTES: '2048' }`,
 * and start options (e.g. a pipeline step that fails on purpose).
 */
export async function startTestServer(
  overrides: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const db = await createTestDatabase();
  const redisPrefix = testRedisPrefix();
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'faultline-spool-')); // never shared: another server would replay it into its own queue
  let running: Running | undefined;
  try {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      ROLE: 'ingest',
      LOG_LEVEL: 'silent',
      UDP_PORT: '0', // parallel test servers must not fight over the default 8001
      SPOOL_DIR: spoolDir,
      ...overrides,
    });
    running = await start(config, options);
    if (running.port === undefined) throw new Error('startTestServer: the role started no HTTP server');
    const url = `http://127.0.0.1:${running.port}`;
    const project = await createProject(db.pool, { baseUrl: url });
    const r = running;
    return {
      url,
      port: running.port,
      running,
      deps: running.deps,
      pool: db.pool,
      dbUrl: db.url,
      redisPrefix,
      project,
      stop: async () => {
        await r.stop();
        await cleanRedisPrefix(redisPrefix).catch(() => {});
        await db.drop();
        rmSync(spoolDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await running?.stop().catch(() => {});
    await db.drop().catch(() => {});
    rmSync(spoolDir, { recursive: true, force: true });
    throw err;
  }
}
