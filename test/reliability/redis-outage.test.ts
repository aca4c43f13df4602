// Fault: Redis becomes unreachable. A dedicated redis-server (own port) is killed: with the disk
// spool off (SPOOL_MAX_MB=0; spool.test.ts covers it on) ingest must answer 503 to every event
// (an SDK retries or records the drop), never a 200 for an event it could not queue, and /readyz reports it. When Redis returns, the same processes — ingest and
// worker, never restarted — accept and store events again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { waitFor } from '../helpers/wait.js';
import {
  eventIdOf,
  sendEvent,
  spawnFaultline,
  startRedisServer,
  type FaultlineProcess,
  type RedisServer,
} from '../helpers/reliability-harness.js';

describe('Redis outage', () => {
  let redis: RedisServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let project: CreatedProject;
  const procs: FaultlineProcess[] = [];
  beforeAll(async () => {
    [redis, db] = await Promise.all([startRedisServer(), createTestDatabase()]);
    project = await createProject(db.pool);
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await redis?.stop();
    await db?.drop();
  });

  it('answers 503 while Redis is down and recovers without restarts', async () => {
    const env = (role: string) => ({
      ROLE: role,
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'faultline',
      SPOOL_MAX_MB: '0',
    });
    const [ingest, worker] = await Promise.all([spawnFaultline(env('ingest')), spawnFaultline(env('worker'))]);
    procs.push(ingest, worker);
    const stored = async () =>
      (
        await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [
          project.projectId,
        ])
      ).rows[0]!.n;
    let n = 0;
    const send = () =>
      sendEvent(ingest.url, project, { event_id: eventIdOf(n++, 'c0'), message: 'redis outage', level: 'error' });

    expect(await Promise.all(Array.from({ length: 10 }, send))).toEqual(Array(10).fill(200));
    await waitFor(async () => (await stored()) === 10, { timeout: 20_000, message: 'the first events' });

    await redis.stop();
    await waitFor(async () => (await fetch(`${ingest.url}/readyz`)).status === 503, {
      timeout: 10_000,
      message: '/readyz to report Redis down',
    });
    const during = await Promise.all(Array.from({ length: 30 }, send));
    expect(during).toEqual(Array(30).fill(503));
    const late = [];
    for (let i = 0; i < 5; i++) late.push(await send()); // also after the client has been retrying for a while
    expect(late).toEqual(Array(5).fill(503));

    await redis.start(); // empty: nothing was queued during the outage
    await waitFor(async () => (await fetch(`${ingest.url}/readyz`)).status === 200, {
      timeout: 20_000,
      message: '/readyz to recover',
    });
    await waitFor(async () => (await send()) === 200, { timeout: 20_000, message: 'ingest to accept again' }); // one event accepted
    expect(await Promise.all(Array.from({ length: 10 }, send))).toEqual(Array(10).fill(200));
    await waitFor(async () => (await stored()) === 10 + 1 + 10, {
      timeout: 30_000,
      message: 'events sent after the outage stored by the same worker',
    });
    expect(ingest.logs.filter((l) => l.msg === 'http listening')).toHaveLength(1);
    expect(worker.logs.filter((l) => l.msg === 'worker started')).toHaveLength(1);
  }, 150_000);
});
