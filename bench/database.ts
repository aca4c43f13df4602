// The benchmark's own database: created fresh per run (faultline_bench_<ts>), migrated, seeded
// with one organization, project, DSN key and API token; plus the read-only measurements the
// run takes from it (events fully processed, bytes per stored event).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, type Pool } from '../server/src/db/pool.js';
import { migrate } from '../server/src/db/migrate.js';
import { sha256Hex } from '../server/src/users/tokens.js';
import { createProject, type CreatedProject } from '../test/helpers/factories.js';

export interface BenchDatabase {
  name: string;
  url: string;
  pool: Pool;
  project: CreatedProject;
  apiToken: string;
  drop: () => Promise<void>;
}

export async function createBenchDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`); // name is ours: [a-z0-9_]
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 4);
  await migrate(pool);
  const project = await createProject(pool, { slug: 'bench', orgSlug: 'bench' });
  const apiToken = `sntryu_${randomBytes(32).toString('hex')}`;
  const user = await pool.query<{ id: string }>(
    `INSERT INTO users (email, name) VALUES ('bench@example.com', 'bench') RETURNING id`,
  );
  const userId = user.rows[0]!.id;
  await pool.query(`INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'owner')`, [
    project.orgId,
    userId,
  ]);
  await pool.query(`INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, 'bench', $2)`, [
    userId,
    sha256Hex(apiToken),
  ]);
  return {
    name,
    url: url.toString(),
    pool,
    project,
    apiToken,
    drop: async () => {
      await pool.end().catch(() => {});
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
    },
  };
}

/** Events grouped, stored and counted so far: the sum of the issues' counters. */
export async function processedEvents(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT coalesce(sum(event_count), 0)::text AS n FROM issues');
  return Number(rows[0]!.n);
}

/** The issue that events of one fingerprint variant were grouped into (by one of its event ids). */
export async function issueOfEvent(pool: Pool, eventId: string): Promise<string | null> {
  const { rows } = await pool.query<{ issue_id: string }>('SELECT issue_id FROM events WHERE event_id = $1::uuid', [
    eventId,
  ]);
  return rows[0]?.issue_id ?? null;
}

/** Tables whose size grows with stored events (events partitions and the per-issue counters). */
const ISSUE_TABLES = [
  'issues',
  'issue_hashes',
  'issue_hourly_counts',
  'issue_tag_values',
  'environments',
  'release_projects',
  'releases',
];

export interface StorageFigures {
  events: number;
  eventsBytes: number;
  issueTablesBytes: number;
  bytesPerEvent: number;
}

/** pg_total_relation_size (heap, TOAST, indexes) over every events partition and issue table. */
export async function storagePerEvent(pool: Pool): Promise<StorageFigures> {
  await pool.query('ANALYZE events');
  const ev = await pool.query<{ bytes: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)::text AS bytes FROM pg_inherits i WHERE i.inhparent = 'events'::regclass`,
  );
  const issues = await pool.query<{ bytes: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(to_regclass(t))), 0)::text AS bytes FROM unnest($1::text[]) AS t`,
    [ISSUE_TABLES],
  );
  const n = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
  const events = Number(n.rows[0]!.n);
  const eventsBytes = Number(ev.rows[0]!.bytes);
  const issueTablesBytes = Number(issues.rows[0]!.bytes);
  return {
    events,
    eventsBytes,
    issueTablesBytes,
    bytesPerEvent: events > 0 ? (eventsBytes + issueTablesBytes) / events : 0,
  };
}
