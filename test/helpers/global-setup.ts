// Vitest global setup: migrates a template database once per run; each worker clones it
// (see db.ts). The run id keeps concurrent runs on one machine apart (databases, Redis prefixes).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createPool } from '../../server/src/db/pool.js';
import { migrate } from '../../server/src/db/migrate.js';

export const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const template = `ft_${runId}_template`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${template}`;
  const pool = createPool(url.toString(), 2);
  await migrate(pool);
  await pool.query(
    `SELECT ensure_event_partitions((now() - interval '35 days')::date, (now() + interval '3 days')::date)`,
  );
  await pool.end();
  project.provide('runId', runId);
  project.provide('templateDb', template);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `ft_${runId}_%`,
    ]);
    for (const r of rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
    }
    await admin.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
    templateDb: string;
  }
}
