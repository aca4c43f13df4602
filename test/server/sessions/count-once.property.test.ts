// Property: however a session's updates arrive — shuffled, duplicated, split over batches, with
// any `seq` — it is counted exactly once, under the worst status it reached (real Redis and Postgres).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createTestDatabase } from '../../helpers/db.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { createProject } from '../../helpers/db-fixtures.js';
import { countAuxJobs } from '../../../server/src/pipeline/count-aux.js';
import { SESSION_STATUS_RANK, type SessionStatus } from '../../../server/src/sessions/aux-payloads.js';
import type { AuxJob } from '../../../server/src/shared/queues.js';

const STATUSES = Object.keys(SESSION_STATUS_RANK) as SessionStatus[];

describe('a session is counted once whatever the order of its updates', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let redis: Redis;
  let prefix: string;
  let projectId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    ({ projectId } = await createProject(db.pool, 'prop'));
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    prefix = testRedisPrefix();
  });
  afterAll(async () => {
    await cleanRedisPrefix(prefix);
    redis.disconnect();
    await db.drop();
  });

  // One session: its updates as an SDK would send them (init first, then status changes, errors).
  const session = fc.record({
    updates: fc.array(fc.record({ status: fc.constantFrom(...STATUSES), errors: fc.constantFrom(0, 0, 1, 2) }), {
      minLength: 1,
      maxLength: 5,
    }),
    user: fc.constantFrom('u1', 'u2', 'u3', null),
  });
  const scenario = fc.record({
    sessions: fc.array(session, { minLength: 1, maxLength: 8 }),
    seed: fc.integer(),
    batches: fc.integer({ min: 1, max: 4 }),
    duplicates: fc.integer({ min: 0, max: 6 }),
  });

  it("final counts equal each session's worst status, and users their worst", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ sessions, seed, batches, duplicates }) => {
        const release = `prop@${run++}`;
        const started = '2026-12-01T10:15:00Z';
        const jobs: AuxJob[] = sessions.flatMap((s, i) =>
          s.updates.map((u, seq) => ({
            v: 1 as const,
            kind: 'session' as const,
            projectId,
            receivedAt: Date.parse('2026-12-01T10:20:00Z'),
            payload: JSON.stringify({
              sid: `${release}-${i}`,
              did: s.user,
              init: seq === 0,
              seq,
              status: u.status,
              errors: u.errors,
              started,
              duration: seq,
              attrs: { release, environment: 'prod' },
            }),
          })),
        );
        const rng = mulberry32(seed);
        for (let d = 0; d < duplicates; d++) jobs.push(jobs[Math.floor(rng() * jobs.length)]!);
        for (let i = jobs.length - 1; i > 0; i--) {
          const j = Math.floor(rng() * (i + 1));
          [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
        }
        const size = Math.ceil(jobs.length / batches);
        for (let i = 0; i < jobs.length; i += size)
          await countAuxJobs({ pool: db.pool, redis, redisPrefix: prefix }, jobs.slice(i, i + size));

        const worst = sessions.map((s) => worstStatus(s.updates));
        const expected: Record<string, number> = {};
        for (const w of worst) expected[w] = (expected[w] ?? 0) + 1;
        for (const table of ['session_counts', 'session_minute_counts']) {
          const { rows } = await db.pool.query<{ status: string; n: number }>(
            `SELECT status, sum(count)::int AS n FROM ${table} WHERE release = $1 GROUP BY status HAVING sum(count) <> 0`,
            [release],
          );
          expect(Object.fromEntries(rows.map((r) => [r.status, r.n]))).toEqual(expected);
        }
        const users: Record<string, number> = {};
        sessions.forEach((s, i) => {
          if (s.user) users[s.user] = Math.max(users[s.user] ?? 0, SESSION_STATUS_RANK[worst[i]!]);
        });
        const { rows } = await db.pool.query<{ did: string; status_rank: number }>(
          'SELECT did, status_rank FROM session_users WHERE release = $1',
          [release],
        );
        expect(Object.fromEntries(rows.map((r) => [r.did, r.status_rank]))).toEqual(users);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

/** What one session ends as: its highest-ranked status, `ok`/`exited` with errors being errored. */
function worstStatus(updates: Array<{ status: SessionStatus; errors: number }>): SessionStatus {
  const effective = updates.map((u) =>
    u.errors > 0 && (u.status === 'ok' || u.status === 'exited') ? 'errored' : u.status,
  );
  return effective.reduce((w, s) => (SESSION_STATUS_RANK[s] > SESSION_STATUS_RANK[w] ? s : w));
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
