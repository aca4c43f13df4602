// Scale-out correctness: two ingest and two worker processes (real OS processes, the production
// entrypoint) against one Postgres and one Redis. Brand-new fingerprints arrive at both workers
// at once, every event is sent twice through different ingest processes, and the results must
// be exact: one issue per fingerprint, every event stored once and counted once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createProcessQueue, type ProcessJob } from '../../server/src/shared/queues.js';
import { createRedis } from '../../server/src/shared/redis.js';
import { startFaultline, type Proc } from '../../bench/processes.js';
import { typicalEnvelopeParts, variantEvent } from '../../bench/payloads.js';
import { createTestDatabase } from '../helpers/db.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { PAYLOAD_COLUMNS, withPayloads } from '../helpers/events.js';
import type { StoredPayload } from '../../server/src/events/payload-codec.js';

const FINGERPRINTS = 6;
const EVENTS_PER_FINGERPRINT = 20;
const TOTAL = FINGERPRINTS * EVENTS_PER_FINGERPRINT;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let prefix: string;
let project: CreatedProject;
let queue: Queue<ProcessJob>;
let queueConnection: ReturnType<typeof createRedis> | undefined;
const procs: Proc[] = [];

/** Event i of fingerprint k: fixed id and timestamp, as an SDK re-sending it would have. */
function envelope(k: number, i: number, at: number): { eventId: string; body: string } {
  const { header, event } = typicalEnvelopeParts();
  const eventId = `${(k + 1).toString(16).padStart(8, '0')}${i.toString(16).padStart(24, '0')}`;
  const payload = JSON.stringify({ ...variantEvent(event, 10_000 + k), event_id: eventId, timestamp: at });
  return {
    eventId,
    body: `${JSON.stringify({ ...header, event_id: eventId })}\n${JSON.stringify({ type: 'event' })}\n${payload}\n`,
  };
}

async function send(ingest: Proc, body: string): Promise<number> {
  const res = await fetch(
    `http://127.0.0.1:${ingest.port}/api/${project.projectId}/envelope/?sentry_key=${project.publicKey}&sentry_version=7`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-sentry-envelope' },
      body,
    },
  );
  await res.arrayBuffer();
  return res.status;
}

async function queueIsEmpty(): Promise<boolean> {
  const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
  return Object.values(c).every((n) => n === 0);
}

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = testRedisPrefix();
  project = await createProject(db.pool);
  queueConnection = createRedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = createProcessQueue(queueConnection, prefix);
  await queue.pause(); // jobs pile up until both workers are there, then they race for them
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'info',
    RUN_MIGRATIONS: 'false',
    UDP_ENABLED: 'false',
    WORKER_BATCH_SIZE: '7', // many small batches: the workers interleave on the same fingerprints
    WORKER_BATCH_WAIT_MS: '1',
  };
  procs.push(
    ...(await Promise.all([
      startFaultline('ingest', env),
      startFaultline('ingest', env),
      startFaultline('worker', env),
      startFaultline('worker', env),
    ])),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await queue?.close();
  queueConnection?.disconnect();
  await cleanRedisPrefix(prefix);
  await db?.drop();
});

describe('several ingest and worker processes on one Postgres and Redis', () => {
  it(
    'store each event once, count it once and create one issue per new fingerprint',
    { timeout: 120_000 },
    async () => {
      const [ingestA, ingestB] = procs;
      const at = Date.now() / 1000 - 5;
      const events = Array.from({ length: TOTAL }, (_, n) => envelope(n % FINGERPRINTS, n, at));
      // Round 1 while the queue is paused: both copies of an event are queued at once.
      const first = await Promise.all(
        events.flatMap((e, n) => [
          send(n % 2 ? ingestA! : ingestB!, e.body),
          send(n % 2 ? ingestB! : ingestA!, e.body),
        ]),
      );
      expect(first.every((s) => s === 200)).toBe(true);
      await queue.resume();
      // Round 2 while the workers run: copies arrive before, during and after their original is stored.
      const second = await Promise.all(events.map((e, n) => send(n % 2 ? ingestA! : ingestB!, e.body)));
      expect(second.every((s) => s === 200)).toBe(true);
      await waitFor(queueIsEmpty, { timeout: 90_000, interval: 100, message: 'the queue to empty' });

      const stored = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [
        project.projectId,
      ]);
      expect(stored.rows[0]!.n).toBe(TOTAL);
      const issues = await db.pool.query<{ id: string; event_count: string; title: string }>(
        'SELECT id, event_count, title FROM issues WHERE project_id = $1 ORDER BY id',
        [project.projectId],
      );
      expect(issues.rows).toHaveLength(FINGERPRINTS);
      expect(issues.rows.map((r) => Number(r.event_count))).toEqual(Array(FINGERPRINTS).fill(EVENTS_PER_FINGERPRINT));
      const hourly = await db.pool.query<{ issue_id: string; n: number }>(
        'SELECT issue_id, sum(count)::int AS n FROM issue_hourly_counts GROUP BY issue_id',
      );
      expect(hourly.rows.map((r) => r.n)).toEqual(Array(FINGERPRINTS).fill(EVENTS_PER_FINGERPRINT));
      // Every event of a fingerprint landed in that fingerprint's one issue.
      const storedEvents = withPayloads<
        { exception: { values: Array<{ type: string }> } },
        StoredPayload & { issue_id: string }
      >(
        (
          await db.pool.query(`SELECT issue_id, ${PAYLOAD_COLUMNS} FROM events WHERE project_id = $1`, [
            project.projectId,
          ])
        ).rows,
      );
      const issuesOfType = new Map<string, Set<string>>();
      for (const e of storedEvents) {
        const type = e.payload.exception.values[0]!.type;
        issuesOfType.set(type, (issuesOfType.get(type) ?? new Set()).add(e.issue_id));
      }
      expect(issuesOfType.size).toBe(FINGERPRINTS);
      expect([...issuesOfType.values()].every((ids) => ids.size === 1)).toBe(true);
    },
  );
});
