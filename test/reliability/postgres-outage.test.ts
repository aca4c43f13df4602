// Fault: Postgres goes away under load. A dedicated Postgres server (own port and data dir) is
// stopped for OUTAGE_MS (10 s here to keep CI fast; the retry policy has no limit on outage
// length: delayed jobs use no attempts) while events keep arriving. Ingest keeps answering 200
// from its key cache and the queue, /readyz reports 503, the worker delays its jobs instead of
// failing them, and after the restart everything lands exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Queue } from 'bullmq';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { createProcessQueue, type ProcessJob } from '../../server/src/shared/queues.js';
import {
  eventIdOf,
  type FaultlineProcess,
  jobCounts,
  type PostgresServer,
  sendEvent,
  spawnFaultline,
  startPostgresServer,
} from '../helpers/reliability-harness.js';

const OUTAGE_MS = 10_000;

describe('Postgres outage under load', () => {
  let postgres: PostgresServer;
  let prefix: string;
  let connection: Redis;
  let queue: Queue<ProcessJob>;
  const procs: FaultlineProcess[] = [];
  beforeAll(async () => {
    postgres = await startPostgresServer();
    prefix = testRedisPrefix();
    connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = createProcessQueue(connection, prefix);
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await queue?.close();
    connection?.disconnect();
    await cleanRedisPrefix(prefix);
    await postgres?.destroy();
  });

  it('keeps accepting, reports unready, retries and loses nothing', async () => {
    // Spike protection off: the events group into one issue at over 1,000 a minute, and every
    // accepted event must be stored, not sampled.
    const env = (role: string) => ({
      ROLE: role,
      DATABASE_URL: postgres.url('faultline'),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      SPIKE_EVENTS_PER_MINUTE: '0',
    });
    // The worker creates and migrates the database; ingest needs neither to start.
    const [worker, ingest] = await Promise.all([spawnFaultline(env('worker')), spawnFaultline(env('ingest'))]);
    procs.push(worker, ingest);
    const db = new pg.Pool({ connectionString: postgres.url('faultline'), max: 2 });
    db.on('error', () => {});
    const project: CreatedProject = await createProject(db);
    const stored = async () =>
      (
        await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [
          project.projectId,
        ])
      ).rows[0]!.n;
    const readyz = async () => (await fetch(`${ingest.url}/readyz`)).status;

    let n = 0;
    const accepted: number[] = [];
    const refused: number[] = [];
    const send = async () => {
      const i = n++;
      const status = await sendEvent(ingest.url, project, {
        event_id: eventIdOf(i, 'b0'),
        message: `outage ${i % 3}`,
        level: 'error',
      });
      (status === 200 ? accepted : refused).push(status);
    };
    for (let i = 0; i < 20; i++) await send(); // warms ingest's key cache
    await waitFor(async () => (await stored()) === 20, { timeout: 20_000, message: 'the first events' });
    expect(await readyz()).toBe(200);

    let loading = true;
    const load = (async () => {
      while (loading) {
        await Promise.all([send(), send(), send()]);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await postgres.stop();
    const outageStarted = Date.now();
    await waitFor(async () => (await readyz()) === 503, { timeout: 10_000, message: '/readyz to report the outage' });
    const body = (await (await fetch(`${ingest.url}/readyz`)).json()) as { postgres: string; redis: string };
    expect(body).toMatchObject({ postgres: 'down', redis: 'ok' });
    await waitFor(async () => (await jobCounts(queue)).delayed > 0, {
      timeout: 10_000,
      message: 'the worker to delay jobs',
    });
    await waitFor(() => Date.now() - outageStarted >= OUTAGE_MS, { timeout: OUTAGE_MS + 5_000, interval: 200 });
    const acceptedDuringOutage = accepted.length;
    await postgres.start();
    await waitFor(async () => (await readyz()) === 200, { timeout: 15_000, message: '/readyz to recover' });
    loading = false;
    await load;

    expect(refused).toEqual([]);
    expect(acceptedDuringOutage).toBeGreaterThan(20);
    await waitFor(async () => (await stored()) === accepted.length, {
      timeout: 60_000,
      message: `${accepted.length} stored events`,
    });
    const counted = await db.query<{ n: number }>(
      'SELECT sum(event_count)::int AS n FROM issues WHERE project_id = $1',
      [project.projectId],
    );
    expect(counted.rows[0]!.n).toBe(accepted.length);
    expect((await jobCounts(queue)).failed).toBe(0);
    expect(worker.logs.some((l) => l.msg === 'job failed too often, moved to the dead letters')).toBe(false);
    await db.end();
  }, 180_000);
});
