import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject } from '../../helpers/factories.js';
import { listRequestCounts, upsertRequestCounts } from '../../../server/src/counters/queries.js';
import { requestCountSource } from '../../../server/src/counters/request-count-source.js';
import type { RequestCountRow } from '../../../server/src/counters/request-counter.js';
import { countAuxJobs } from '../../../server/src/pipeline/count-aux.js';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL, testRedisPrefix } from '../../helpers/redis.js';

describe('request count queries', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let projectId: string;
  let otherId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    ({ projectId } = await createProject(db.pool));
    ({ projectId: otherId } = await createProject(db.pool));
  });
  afterAll(async () => {
    await db.drop();
  });

  const row = (o: Partial<RequestCountRow>): RequestCountRow => ({
    projectId,
    environment: 'production',
    minute: '2026-11-26T02:00:00.000Z',
    serverName: 'web-1',
    release: 'shop@1',
    requests: 60,
    ...o,
  });
  const window = (from: string, to: string, projectIds = [projectId], environment = 'production') => ({
    projectIds,
    environment,
    from: new Date(from),
    to: new Date(to),
  });

  it('adds to existing minutes and skips unknown projects', async () => {
    await upsertRequestCounts(db.pool, [row({}), row({ projectId: '999999' })]);
    await upsertRequestCounts(db.pool, [row({ requests: 30 })]);
    const { rows } = await db.pool.query('SELECT project_id, requests::int FROM request_counts');
    expect(rows).toEqual([{ project_id: projectId, requests: 90 }]);
  });

  it('sums a window per host and release, prorating the minutes at its edges', async () => {
    await upsertRequestCounts(db.pool, [
      row({ minute: '2026-11-26T03:00:00.000Z', requests: 60 }),
      row({ minute: '2026-11-26T03:01:00.000Z', requests: 120 }),
      row({ minute: '2026-11-26T03:02:00.000Z', requests: 60 }),
      row({ minute: '2026-11-26T03:01:00.000Z', serverName: '', release: '', requests: 6 }),
      row({ minute: '2026-11-26T03:01:00.000Z', environment: 'staging', requests: 1000 }),
      row({ minute: '2026-11-26T03:01:00.000Z', projectId: otherId, requests: 7 }),
    ]);
    // 03:00:30 → 03:02:15: half of 03:00, all of 03:01, a quarter of 03:02.
    expect(await listRequestCounts(db.pool, window('2026-11-26T03:00:30Z', '2026-11-26T03:02:15Z'))).toEqual([
      { serverName: null, release: null, requests: 6 },
      { serverName: 'web-1', release: 'shop@1', requests: 30 + 120 + 15 },
    ]);
    expect(
      await listRequestCounts(db.pool, window('2026-11-26T03:01:00Z', '2026-11-26T03:02:00Z', [projectId, otherId])),
    ).toEqual([
      { serverName: null, release: null, requests: 6 },
      { serverName: 'web-1', release: 'shop@1', requests: 127 },
    ]);
    expect(
      await listRequestCounts(db.pool, window('2026-11-26T03:01:00Z', '2026-11-26T03:02:00Z', [projectId], 'staging')),
    ).toEqual([{ serverName: 'web-1', release: 'shop@1', requests: 1000 }]);
    expect(await listRequestCounts(db.pool, window('2026-11-26T03:02:00Z', '2026-11-26T03:01:00Z'))).toEqual([]);
  });

  it('the deploy-health source answers null where no counters exist', async () => {
    const source = requestCountSource(db.pool);
    expect(await source.countRequests(window('2026-11-26T05:00:00Z', '2026-11-26T06:00:00Z'))).toBeNull();
    expect(
      await source.countRequests(window('2026-11-26T03:01:00Z', '2026-11-26T03:02:00Z', [projectId], 'staging')),
    ).toEqual([{ serverName: 'web-1', release: 'shop@1', requests: 1000 }]);
  });

  it('the worker counts faultline_counter aux jobs into request_counts', async () => {
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const receivedAt = Date.parse('2026-11-26T04:00:30Z');
      const job = (payload: unknown) => ({
        v: 1 as const,
        kind: 'faultline_counter' as const,
        projectId,
        receivedAt,
        payload: JSON.stringify(payload),
      });
      const counter = {
        requests: 40,
        interval: 10,
        server_name: 'web-2',
        release: 'shop@2',
        environment: 'production',
        timestamp: receivedAt / 1000,
      };
      const outcomes = await countAuxJobs({ pool: db.pool, redis, redisPrefix: testRedisPrefix() }, [
        job(counter),
        job(counter),
        job({ requests: 'many' }),
      ]);
      expect(outcomes).toEqual([
        { kind: 'counted' },
        { kind: 'counted' },
        { kind: 'dropped', reason: 'invalid-counter' },
      ]);
      expect(await listRequestCounts(db.pool, window('2026-11-26T04:00:00Z', '2026-11-26T04:01:00Z'))).toEqual([
        { serverName: 'web-2', release: 'shop@2', requests: 80 },
      ]);
    } finally {
      redis.disconnect();
    }
  });
});
