// Fault: Redis is down for 30 seconds under steady load, with ingest's disk spool on. Every request
// is answered 200 (the events wait in the spool), /readyz and /metrics show the spool, and when
// Redis is back every event answered 200 is stored exactly once, with no dead letters. Then the
// same with the ingest process SIGKILLed during the outage and restarted: the new process adopts
// the dead one's spool file and replays it. Redis (own port) keeps its queue across the outage
// with an fsynced append-only file, as in production.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestDatabase } from '../helpers/db.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { waitFor } from '../helpers/wait.js';
import { createProcessQueue } from '../../server/src/shared/queues.js';
import {
  eventIdOf,
  freePort,
  jobCounts,
  sendEvent,
  spawnFaultline,
  startRedisServer,
  type FaultlineProcess,
  type RedisServer,
} from '../helpers/reliability-harness.js';

const OUTAGE_MS = 30_000;
const SENDERS = 4;
/** Pause between one sender's requests: about 40 events/s in all, a steady trickle. */
const SEND_GAP_MS = 100;

describe('Redis outage with the ingest spool', () => {
  let redis: RedisServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const procs: FaultlineProcess[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    [redis, db] = await Promise.all([startRedisServer({ persist: true }), createTestDatabase()]);
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await redis?.stop();
    await db?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Sends events until stopped; records each event id with the status it was answered (0: no answer). */
  function steadyLoad(url: () => string, project: CreatedProject, seed: string) {
    const answers = new Map<string, number>();
    let running = true;
    let n = 0;
    const loops = Array.from({ length: SENDERS }, async () => {
      while (running) {
        const id = eventIdOf(n++, seed);
        answers.set(id, await sendEvent(url(), project, { event_id: id, message: `spool ${seed}`, level: 'error' }));
        await new Promise((r) => setTimeout(r, SEND_GAP_MS));
      }
    });
    return {
      answers,
      stop: async () => {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  async function scenario(
    seed: string,
    during: (ctx: {
      env: Record<string, string>;
      ingest: () => FaultlineProcess;
      replaceIngest: (p: FaultlineProcess) => void;
    }) => Promise<void>,
  ) {
    const project = await createProject(db.pool);
    const spoolDir = mkdtempSync(path.join(tmpdir(), 'faultline-spool-'));
    dirs.push(spoolDir);
    const prefix = `spool${seed}`;
    // Spike protection off: a replayed outage is a burst of one fingerprint, and past
    // SPIKE_EVENTS_PER_MINUTE events are counted, not stored (which is not what this test is about).
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      SPOOL_DIR: spoolDir,
      WORKER_STALL_TIMEOUT_MS: '4000',
      SPIKE_EVENTS_PER_MINUTE: '0',
    };
    let ingest = await spawnFaultline({ ...env, ROLE: 'ingest', PORT: String(await freePort()) });
    const worker = await spawnFaultline({ ...env, ROLE: 'worker' });
    procs.push(ingest, worker);
    const stored = async () =>
      (
        await db.pool.query<{ event_id: string }>(
          "SELECT replace(event_id::text, '-', '') AS event_id FROM events WHERE project_id = $1",
          [project.projectId],
        )
      ).rows.map((r) => r.event_id);

    const load = steadyLoad(() => ingest.url, project, seed);
    await waitFor(async () => (await stored()).length >= 20, {
      timeout: 30_000,
      message: 'events stored before the outage',
    });
    await redis.outage();
    const outageEnds = Date.now() + OUTAGE_MS;
    await waitFor(
      async () => {
        const r = (await (await fetch(`${ingest.url}/readyz`)).json()) as {
          status: string;
          redis: string;
          spool?: { state: string; jobs: number };
        };
        return r.redis === 'down' && r.status === 'spooling' && r.spool?.state === 'spooling' && r.spool.jobs > 0;
      },
      { timeout: 15_000, message: '/readyz to show events waiting in the spool' },
    );
    const readyz = await fetch(`${ingest.url}/readyz`);
    expect(readyz.status).toBe(200);
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(Number(/^faultline_spool_jobs (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/^faultline_spool_oldest_age_seconds ([\d.]+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    await during({
      env,
      ingest: () => ingest,
      replaceIngest: (p) => {
        procs.push(p);
        ingest = p;
      },
    });
    await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now())));
    await redis.start();
    await waitFor(
      async () => {
        const r = (await (await fetch(`${ingest.url}/readyz`)).json()) as { status: string; spool?: { state: string } };
        return r.status === 'ok' && r.spool?.state === 'idle';
      },
      { timeout: 60_000, message: 'the spool replayed' },
    );
    await load.stop();

    const answered = [...load.answers].filter(([, status]) => status !== 0);
    expect(answered.filter(([, status]) => status !== 200)).toEqual([]);
    const accepted = answered.map(([id]) => id);
    expect(accepted.length).toBeGreaterThan((OUTAGE_MS / 1000) * 10); // the load went on through the outage
    await waitFor(
      async () => {
        const rows = new Set(await stored());
        return accepted.every((id) => rows.has(id));
      },
      { timeout: 90_000, message: 'every accepted event stored' },
    );
    const rows = await stored();
    expect(rows.length).toBe(new Set(rows).size); // exactly once
    const missing = accepted.filter((id) => !rows.includes(id));
    expect(missing).toEqual([]);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = createProcessQueue(connection, prefix);
    try {
      await waitFor(
        async () => {
          const c = await jobCounts(queue);
          return c.waiting + c.active + c.delayed === 0;
        },
        { timeout: 30_000, message: 'an empty queue' },
      );
      expect((await jobCounts(queue)).failed).toBe(0); // no dead letters
    } finally {
      await queue.close();
      connection.disconnect();
    }
    expect(readdirSync(spoolDir).filter((n) => n.endsWith('.spool'))).toEqual([]);
    return { load, ingest };
  }

  it('answers 200 through a 30-second Redis outage and stores every event exactly once', async () => {
    const { ingest } = await scenario('a5', async () => {});
    expect(ingest.logs.filter((l) => l.msg === 'http listening')).toHaveLength(1);
  }, 240_000);

  it('replays the spool of an ingest process SIGKILLed during the outage after its restart', async () => {
    const { ingest: restarted } = await scenario('b6', async ({ env, ingest, replaceIngest }) => {
      const first = ingest();
      first.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      replaceIngest(await spawnFaultline({ ...env, ROLE: 'ingest', PORT: String(first.port) }));
      const restarted = ingest();
      await restarted.waitForLog('adopted the spool file of a stopped ingest process', 40_000);
    });
    // Requests sent while no process listened got no answer; everything answered was 200 and is
    // stored once (checked in scenario), the dead process' spooled events included.
    expect(restarted.logs.some((l) => l.msg === 'adopted spool file replayed')).toBe(true);
    expect(restarted.logs.filter((l) => l.msg === 'http listening')).toHaveLength(1);
  }, 300_000);
});
