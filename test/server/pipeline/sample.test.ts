// Spike protection in the pipeline (sample.ts): past the per-issue threshold only a sample is
// stored, the issue's counts stay exact, and re-delivered events never count twice — whether
// the Redis counters still exist, were reset, or rank the events differently the second time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestDatabase } from '../../helpers/db.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { buildPipelineDeps } from '../../helpers/pipeline.js';
import { processBatch, type PipelineDeps } from '../../../server/src/pipeline/process-event.js';
import type { JobOutcome } from '../../../server/src/queue/job-outcome.js';
import { sampleKey, shouldStore } from '../../../server/src/spikes/decide.js';
import type { EventJob } from '../../../server/src/shared/queues.js';
import { createProject } from '../../helpers/db-fixtures.js';
import { syntheticEventJob } from '../../helpers/sdk-fixtures.js';

const RECEIVED_AT = Date.parse('2026-11-26T02:00:10Z');
let seq = 0;
const newEventId = () => (++seq).toString(16).padStart(32, 'a');

describe('shouldStore', () => {
  it.each([
    [1, 0, true],
    [5, 0, true],
    [6, 0, false],
    [6, 1, true],
  ])('rank %i with sample rate %d → %s', (rank, sampleRate, expected) => {
    expect(shouldStore(rank, 'f'.repeat(32), { threshold: 5, sampleRate })).toBe(expected);
  });

  it('is off with threshold 0, and keys spread evenly', () => {
    expect(shouldStore(1_000_000, 'a'.repeat(32), { threshold: 0, sampleRate: 0 })).toBe(true);
    const keys = Array.from({ length: 2000 }, (_, i) => sampleKey(i.toString(16).padStart(32, '0')));
    const below = keys.filter((k) => k < 0.25).length;
    expect(below).toBeGreaterThan(400);
    expect(below).toBeLessThan(600);
  });
});

describe('sample stage', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let redis: Redis;
  let prefix: string;
  const depsWith = (env: Record<string, string>): PipelineDeps =>
    buildPipelineDeps(db.pool, redis, { REDIS_PREFIX: prefix, ...env });
  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await cleanRedisPrefix(prefix);
    redis.disconnect();
    await db.drop();
  });

  const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
  const kinds = (outcomes: JobOutcome[]) => outcomes.map((o) => o.kind);
  const tally = (outcomes: JobOutcome[]) =>
    kinds(outcomes).reduce<Record<string, number>>((t, k) => ({ ...t, [k]: (t[k] ?? 0) + 1 }), {});
  async function state(projectId: string) {
    const [issue] = await q<{ id: string; event_count: number }>(
      'SELECT id, event_count::int FROM issues WHERE project_id = $1 AND title LIKE $2',
      [projectId, 'Flood%'],
    );
    const one = async (sql: string) => (await q<{ n: number }>(sql, [issue!.id]))[0]!.n;
    return {
      count: issue!.event_count,
      stored: await one('SELECT count(*)::int AS n FROM events WHERE issue_id = $1'),
      hourly: await one('SELECT coalesce(sum(count), 0)::int AS n FROM issue_hourly_counts WHERE issue_id = $1'),
      sampled: await one('SELECT coalesce(max(sampled_count), 0)::int AS n FROM issue_sampling WHERE issue_id = $1'),
      sampledRows: await one('SELECT count(*)::int AS n FROM sampled_events WHERE issue_id = $1'),
    };
  }
  const flood = (projectId: string, n: number): EventJob[] =>
    Array.from({ length: n }, () =>
      syntheticEventJob({
        projectId,
        receivedAt: RECEIVED_AT,
        eventId: newEventId(),
        type: 'Flood',
        value: 'the same error',
      }),
    );
  const clearCounters = async () => {
    for await (const keys of redis.scanStream({ match: `${prefix}:{spike}:*`, count: 1000 }) as AsyncIterable<string[]>)
      if (keys.length > 0) await redis.del(...keys);
  };

  it('stores the first N per issue and minute, counts all, and re-deliveries count nothing twice', async () => {
    const deps = depsWith({ SPIKE_EVENTS_PER_MINUTE: '5', SPIKE_SAMPLE_RATE: '0' });
    const { projectId } = await createProject(db.pool, 'spike');
    const jobs = flood(projectId, 20);
    const other = syntheticEventJob({ projectId, receivedAt: RECEIVED_AT, eventId: newEventId(), type: 'Trickle' });
    const first = await processBatch(deps, [...jobs.slice(0, 8), other, ...jobs.slice(8)]);
    expect(tally(first)).toEqual({ stored: 6, sampled: 15 });
    expect(first[8]!.kind).toBe('stored'); // the other issue is not affected
    expect(await state(projectId)).toEqual({ count: 20, stored: 5, hourly: 20, sampled: 15, sampledRows: 15 });

    // Re-delivered while the counters rank every event past the threshold: stored ones are
    // recognised by their events row, sampled ones by their sampled_events row.
    expect(tally(await processBatch(deps, jobs))).toEqual({ duplicate: 20 });
    // Counters gone and the order reversed: previously sampled events now rank first.
    await clearCounters();
    expect(tally(await processBatch(deps, [...jobs].reverse()))).toEqual({ duplicate: 20 });
    // One by one, as BullMQ retries would.
    await clearCounters();
    for (const j of jobs.slice(3, 9)) expect(kinds(await processBatch(deps, [j]))).toEqual(['duplicate']);
    expect(await state(projectId)).toEqual({ count: 20, stored: 5, hourly: 20, sampled: 15, sampledRows: 15 });
  });

  it('ranks each fingerprint on its own when a batch interleaves several', async () => {
    const deps = depsWith({ SPIKE_EVENTS_PER_MINUTE: '3', SPIKE_SAMPLE_RATE: '0' });
    const { projectId } = await createProject(db.pool, 'spike-mixed');
    const of = (type: string) =>
      syntheticEventJob({ projectId, receivedAt: RECEIVED_AT, eventId: newEventId(), type, value: 'x' });
    const jobs = Array.from({ length: 15 }, (_, i) => of(['Alpha', 'Beta', 'Gamma'][i % 3]!));
    const outcomes = await processBatch(deps, jobs);
    // In each fingerprint's own order: its first three are stored, the other two sampled.
    expect(kinds(outcomes)).toEqual([...Array(9).fill('stored'), ...Array(6).fill('sampled')]);
  });

  it('recognizes stored events re-delivered past the threshold, whichever day partition holds them', async () => {
    const deps = depsWith({ SPIKE_EVENTS_PER_MINUTE: '5', SPIKE_SAMPLE_RATE: '0' });
    const { projectId } = await createProject(db.pool, 'spike-days');
    // Two hours apart: 20 events over three days, so the lookup spans several partitions.
    const jobs = flood(projectId, 20).map((j, k) => ({
      ...j,
      payload: JSON.stringify({ ...JSON.parse(j.payload), timestamp: RECEIVED_AT / 1000 - k * 7200 }),
    }));
    expect(tally(await processBatch(deps, jobs))).toEqual({ stored: 5, sampled: 15 });
    // Reversed, with fresh counters: the five stored events now rank past the threshold and
    // must be found in their partitions, not recorded as sampled.
    await clearCounters();
    expect(tally(await processBatch(deps, [...jobs].reverse()))).toEqual({ duplicate: 20 });
    expect(await state(projectId)).toEqual({ count: 20, stored: 5, hourly: 20, sampled: 15, sampledRows: 15 });
  });

  it('keeps a hash-chosen sample past the threshold, the same one on every delivery', async () => {
    const deps = depsWith({ SPIKE_EVENTS_PER_MINUTE: '2', SPIKE_SAMPLE_RATE: '0.5' });
    const { projectId } = await createProject(db.pool, 'spike-sample');
    const jobs = flood(projectId, 40);
    const first = await processBatch(deps, jobs);
    const expectedStored = 2 + jobs.slice(2).filter((j) => sampleKey(j.eventId) < 0.5).length;
    expect(tally(first)).toEqual({ stored: expectedStored, sampled: 40 - expectedStored });
    await clearCounters();
    expect(tally(await processBatch(deps, jobs))).toEqual({ duplicate: 40 });
    expect(await state(projectId)).toMatchObject({
      count: 40,
      stored: expectedStored,
      hourly: 40,
      sampled: 40 - expectedStored,
    });
  });

  it("keeps each event's rank when a failed batch is retried event by event", async () => {
    // Fault injection: an event titled "poison-rank" cannot be stored, so the batch transaction
    // fails and processBatch retries its events one by one. The retry must not rank the flood's
    // events a second time (which would push stored ones past the threshold).
    await db.pool.query(`ALTER TABLE events ADD CONSTRAINT test_no_poison_rank CHECK (title NOT LIKE '%poison-rank%')`);
    try {
      const deps = depsWith({ SPIKE_EVENTS_PER_MINUTE: '3', SPIKE_SAMPLE_RATE: '0' });
      const { projectId } = await createProject(db.pool, 'spike-retry');
      const jobs = flood(projectId, 5);
      const poison = syntheticEventJob({
        projectId,
        receivedAt: RECEIVED_AT,
        eventId: newEventId(),
        type: 'Poison',
        value: 'poison-rank',
      });
      const outcomes = await processBatch(deps, [...jobs, poison]);
      expect(kinds(outcomes.slice(0, 5))).toEqual(['stored', 'stored', 'stored', 'sampled', 'sampled']);
      expect(outcomes[5]!.kind).toBe('failed');
      expect(await state(projectId)).toMatchObject({ count: 5, stored: 3, sampled: 2 });
    } finally {
      await db.pool.query('ALTER TABLE events DROP CONSTRAINT test_no_poison_rank');
    }
  });

  it('stores everything when switched off or when Redis is unreachable', async () => {
    const { projectId } = await createProject(db.pool, 'spike-off');
    expect(tally(await processBatch(depsWith({ SPIKE_EVENTS_PER_MINUTE: '0' }), flood(projectId, 12)))).toEqual({
      stored: 12,
    });
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    dead.on('error', () => {});
    const deps = { ...depsWith({ SPIKE_EVENTS_PER_MINUTE: '1' }), redis: dead };
    expect(tally(await processBatch(deps, flood(projectId, 4)))).toEqual({ stored: 4 });
    dead.disconnect();
  });
});
