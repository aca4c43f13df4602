import pg from 'pg';
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { loadConfig } from './server/src/config.ts';
import { start } from './server/src/main.ts';
import { createPool } from './server/src/db/pool.ts';
import { migrate } from './server/src/db/migrate.ts';
import { createProject } from './test/helpers/factories.ts';

const name = `ft_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = `postgres://postgres@127.0.0.1:5432/${name}`;
const pool = createPool(url, 2);
await migrate(pool);
const p = await createProject(pool);
const prefix = `ft:bench:${process.pid}`;
const running = await start(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url, REDIS_PREFIX: prefix, ROLE: 'ingest', LOG_LEVEL: 'silent' }));
const cap = JSON.parse(readFileSync('./test/fixtures/sdk-captures/node-sdk-11.12/03-event-dberror-with-cause.json', 'utf8'));
const body = Buffer.from(cap.body_base64, 'base64').toString().replace(/"event_id":"[0-9a-f]{32}",/, '');
const res = await autocannon({
  url: `http://127.0.0.1:${running.port}/api/${p.projectId}/envelope/?sentry_key=${process.env.BADKEY ?? p.publicKey}&sentry_version=7`,
  method: 'POST', body, connections: 50, duration: 6,
});
console.log('req/s', res.requests.average, 'p99 ms', res.latency.p99, 'non2xx', res.non2xx, 'errors', res.errors, 'bytes', body.length);
await running.stop();
const r = new (await import('ioredis')).Redis();
let cursor = '0'; do { const [n, keys] = await r.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000); cursor = n; if (keys.length) await r.del(...keys); } while (cursor !== '0');
r.disconnect();
await pool.end();
await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
await admin.end();
