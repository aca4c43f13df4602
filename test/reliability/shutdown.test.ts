// Fault: SIGTERM (a deploy, a scale-down). Each role stops accepting new work, finishes what it
// has in flight, and exits 0 — before main.ts's SHUTDOWN_TIMEOUT_MS (10 s) would force exit 1,
// which is the bound these tests hold it to.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { createTestDatabase } from '../helpers/db.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { createProcessQueue, eventJobId, type ProcessJob } from '../../server/src/shared/queues.js';
import { createMember } from '../helpers/api-factories.js';
import { syntheticEventJob } from '../helpers/sdk-fixtures.js';
import { eventIdOf, type FaultlineProcess, jobCounts, spawnFaultline } from '../helpers/reliability-harness.js';

describe('SIGTERM', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prefix: string;
  let project: CreatedProject;
  let connection: Redis;
  let queue: Queue<ProcessJob>;
  const procs: FaultlineProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    project = await createProject(db.pool);
    connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = createProcessQueue(connection, prefix);
  });
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await queue?.close();
    connection?.disconnect();
    await cleanRedisPrefix(prefix);
    await db?.drop();
  });

  const spawn = async (role: string, extra: Record<string, string> = {}) => {
    const p = await spawnFaultline({
      ROLE: role,
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      ...extra,
    });
    procs.push(p);
    return p;
  };
  const stored = async () =>
    (
      await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [
        project.projectId,
      ])
    ).rows[0]!.n;

  it('ingest finishes the request in flight, refuses new connections, exits 0', async () => {
    const ingest = await spawn('ingest');
    const body = JSON.stringify({ event_id: eventIdOf(1, 'd0'), message: 'sent across a shutdown', level: 'error' });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${ingest.url}/api/${project.projectId}/store/?sentry_key=${project.publicKey}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 20)); // the request is in flight: headers and part of the body sent
      ingest.waitForLog('shutting down').then(() => req.end(body.slice(20)), reject);
    });
    await new Promise((r) => setTimeout(r, 200)); // let the server receive the headers
    ingest.kill('SIGTERM');
    await ingest.waitForLog('shutting down');
    await expect(fetch(`${ingest.url}/healthz`)).rejects.toThrow(); // the listener is closed
    expect(await answer).toEqual({ status: 200, body: JSON.stringify({ id: eventIdOf(1, 'd0') }) });
    expect(await ingest.exited).toEqual({ code: 0, signal: null });
    expect((await jobCounts(queue)).waiting).toBe(1);
    await queue.drain();
  }, 60_000);

  it('the worker finishes its batches, leaves nothing active, exits 0; the rest is processed later', async () => {
    const total = 400;
    const receivedAt = Date.now();
    const jobs = Array.from({ length: total }, (_, i) =>
      syntheticEventJob({
        projectId: project.projectId,
        receivedAt,
        eventId: eventIdOf(i, 'e0'),
        type: `TermError${i % 3}`,
      }),
    );
    await queue.addBulk(
      jobs.map((data) => ({
        name: 'event',
        data,
        opts: { jobId: eventJobId(data.projectId, data.eventId), attempts: 8 },
      })),
    );
    const before = await stored();

    const worker = await spawn('worker', { WORKER_BATCH_SIZE: '10', WORKER_CONCURRENCY: '20' });
    await waitFor(async () => (await stored()) - before >= 40 && (await jobCounts(queue)).active > 0, {
      timeout: 60_000,
      interval: 5,
      message: 'batches in flight',
    });
    worker.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    const counts = await jobCounts(queue);
    expect(counts.active).toBe(0);
    expect(counts.failed).toBe(0);
    expect((await stored()) - before + counts.waiting + counts.delayed).toBe(total);

    const next = await spawn('worker');
    await waitFor(async () => (await stored()) - before === total, {
      timeout: 60_000,
      message: 'all events after the restart',
    });
    next.kill('SIGTERM');
    expect(await next.exited).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('the API closes live streams and exits 0', async () => {
    const member = await createMember(db.pool, { orgId: project.orgId });
    const api = await spawn('api');
    const res = await fetch(`${api.url}/api/0/organizations/${project.orgSlug}/stream/`, {
      headers: { authorization: `Bearer ${member.token}` },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // the stream is open
    api.kill('SIGTERM');
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true }));
      if (chunk.done) break;
    }
    const exit = await api.exited;
    if (exit.code !== 0) console.log(JSON.stringify(api.logs.slice(-8)));
    expect(exit).toEqual({ code: 0, signal: null });
  }, 60_000);
});
