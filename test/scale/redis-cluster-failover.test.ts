// Redis Cluster end to end: a 3-master/3-replica cluster of real redis-server processes, two
// ingest, two worker and one API process (the production entrypoint, REDIS_CLUSTER_NODES), and
// the official @sentry/node SDK sending steady traffic. The master serving the queue's slot is
// SIGKILLed under load: while the cluster elects its replica ingest may answer 503, but every
// event answered 200 must be stored exactly once afterwards, and traffic must be accepted again.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultline, type Proc } from '../../bench/processes.js';
import { bullPrefix } from '../../server/src/shared/queues.js';
import { createTestDatabase } from '../helpers/db.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { testRedisPrefix } from '../helpers/redis.js';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.js';
import { waitFor } from '../helpers/wait.js';
import { createMember } from '../helpers/api-factories.js';

const LOAD_MS = 12_000;
const SEND_INTERVAL_MS = 10;
const KILL_AFTER_MS = 3_000;

let cluster: RedisClusterHandle | undefined;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: CreatedProject;
let prefix: string;
const procs: Proc[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  db = await createTestDatabase();
  project = await createProject(db.pool);
  prefix = testRedisPrefix();
  const env = {
    DATABASE_URL: db.url,
    REDIS_CLUSTER_NODES: cluster.seeds.slice(0, 3).join(','),
    REDIS_PREFIX: prefix,
    RUN_MIGRATIONS: 'false',
    UDP_ENABLED: 'false',
    LOG_LEVEL: 'info',
    // Every event is stored: past 1,000 events of one issue a minute, spike protection would
    // count the rest and store a 1% sample (not a loss, but not what this test checks).
    SPIKE_EVENTS_PER_MINUTE: '0',
    WORKER_STALL_TIMEOUT_MS: '10000', // jobs a worker held during the failover come back soon (a loaded CI machine needs the margin)
  };
  procs.push(
    ...(await Promise.all([
      startFaultline('ingest', env),
      startFaultline('ingest', env),
      startFaultline('worker', env),
      startFaultline('worker', env),
      startFaultline('api', env),
    ])),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await cluster?.stop();
  await db?.drop();
});

/** Runs the SDK program; resolves with each event's answer once it has flushed. */
function runSdk(dsn: string, ingestUrls: string[], onLine: (eventId: string, status: string) => void): Promise<void> {
  const child = spawn(
    process.execPath,
    ['test/scale/programs/sentry-load.mjs', String(LOAD_MS), String(SEND_INTERVAL_MS)],
    {
      env: { PATH: process.env.PATH, DSN: dsn, INGEST_URLS: ingestUrls.join(',') },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [id, status] = line.split(' ');
    if (id && status) onLine(id, status);
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`SDK program exited with ${code}`)))),
  );
}

describe('Faultline on a Redis Cluster', () => {
  it("loses no event answered 200 when the queue's master is killed under load", { timeout: 110_000 }, async () => {
    const [ingestA, ingestB, , , api] = procs;
    const answers = new Map<string, string>();
    const started = Date.now();
    let killedAt = 0;
    const dsn = project.dsn.replace('127.0.0.1:8000', `127.0.0.1:${ingestA!.port}`);
    const sdk = runSdk(
      dsn,
      [ingestA, ingestB].map((p) => `http://127.0.0.1:${p!.port}`),
      (id, status) => {
        answers.set(id, status);
      },
    );
    await waitFor(() => Date.now() - started > KILL_AFTER_MS && answers.size > 20, {
      timeout: 30_000,
      message: 'traffic before the kill',
    });
    const victim = await cluster!.masterOf(bullPrefix(prefix));
    cluster!.kill(victim);
    killedAt = answers.size;
    await sdk;

    const statuses = [...answers.values()];
    const ok = [...answers].filter(([, s]) => s === '200').map(([id]) => id);
    // Only 200 and, during the election, 503 are acceptable answers.
    expect(statuses.filter((s) => s !== '200' && s !== '503')).toEqual([]);
    expect(ok.length).toBeGreaterThan(killedAt); // accepted again after the failover
    const acceptedAfterKill = [...answers.values()].slice(killedAt).filter((s) => s === '200').length;
    expect(acceptedAfterKill).toBeGreaterThan(0);

    const stored = async () =>
      (
        await db.pool.query<{ event_id: string; n: number }>(
          `SELECT event_id, count(*)::int AS n FROM events WHERE project_id = $1 GROUP BY event_id`,
          [project.projectId],
        )
      ).rows;
    await waitFor(
      async () => {
        const ids = new Set((await stored()).map((r) => r.event_id.replace(/-/g, '')));
        return ok.every((id) => ids.has(id));
      },
      { timeout: 60_000, interval: 2000, message: 'every event answered 200 to be stored' },
    );
    const rows = await stored();
    expect(rows.filter((r) => r.n !== 1)).toEqual([]); // exactly once
    const issue = await db.pool.query<{ event_count: string }>('SELECT event_count FROM issues WHERE project_id = $1', [
      project.projectId,
    ]);
    expect(issue.rows).toHaveLength(1);
    expect(Number(issue.rows[0]!.event_count)).toBe(rows.length); // counted once each

    // The API process reads through the same cluster (its Redis users: login limits, live stream).
    const member = await createMember(db.pool, { orgId: project.orgId, role: 'owner' });
    const res = await fetch(`http://127.0.0.1:${api!.port}/api/0/projects/${project.orgSlug}/${project.slug}/issues/`, {
      headers: { authorization: `Bearer ${member.token}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as unknown[]).length).toBe(1);
    const ready = await fetch(`http://127.0.0.1:${api!.port}/readyz`);
    expect(ready.status).toBe(200);
  });
});
