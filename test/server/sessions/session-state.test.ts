import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { advanceSessions } from '../../../server/src/sessions/session-state.js';
import type { SessionStatus } from '../../../server/src/sessions/aux-payloads.js';

describe('advanceSessions', () => {
  let redis: Redis;
  let prefix: string;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    prefix = testRedisPrefix();
  });
  afterAll(async () => {
    await cleanRedisPrefix(prefix);
    redis.disconnect();
  });

  const update = (sid: string, status: SessionStatus) => ({
    projectId: '1',
    sid,
    did: null,
    release: 'r',
    environment: 'e',
    hour: '2026-11-26T01:00:00.000Z',
    minute: '2026-11-26T01:00:00.000Z',
    status,
  });
  const deltas = async (...updates: ReturnType<typeof update>[]) =>
    (await advanceSessions(redis, prefix, updates)).map((r) => `${r.status}${r.count > 0 ? '+' : ''}${r.count}`);

  it('counts a new session, moves it on a status change and ignores repeats and downgrades', async () => {
    expect(await deltas(update('a', 'ok'))).toEqual(['ok+1']);
    expect(await deltas(update('a', 'ok'))).toEqual([]);
    expect(await deltas(update('a', 'errored'))).toEqual(['errored+1', 'ok-1']);
    expect(await deltas(update('a', 'crashed'), update('a', 'ok'))).toEqual(['crashed+1', 'errored-1']);
    expect(await deltas(update('b', 'exited'))).toEqual(['exited+1']);
  });
});
