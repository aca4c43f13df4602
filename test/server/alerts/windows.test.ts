import { afterAll, describe, expect, it } from 'vitest';
import { bumpCounters, releaseGates, takeGates } from '../../../server/src/alerts/windows.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { newRedis } from '../../helpers/alert-fixtures.js';

describe('alert windows in Redis', () => {
  const redis = newRedis(TEST_REDIS_URL);
  const prefix = testRedisPrefix();
  afterAll(async () => {
    redis.disconnect();
    await cleanRedisPrefix(prefix);
  });
  const T0 = Date.parse('2024-05-01T12:00:00Z');

  it('counts events in a sliding window per rule and issue', async () => {
    const spec = { index: 0, kind: 'events' as const, minutes: 1 };
    const at = async (issueId: string, ms: number) =>
      (await bumpCounters(redis, prefix, [{ ruleId: '1', issueId, spec, userKey: null }], T0 + ms))[0];
    expect(await at('10', 0)).toBe(1);
    expect(await at('10', 30_000)).toBe(2);
    expect(await at('11', 30_000)).toBe(1); // another issue counts apart
    expect(await at('10', 59_000)).toBe(3);
    expect(await at('10', 61_000)).toBe(3); // the event at 0 s left the window
    expect(await at('10', 125_000)).toBe(1);
  });

  it('counts distinct users in a sliding window', async () => {
    const spec = { index: 0, kind: 'users' as const, minutes: 10 };
    const reqs = ['id:1', 'id:2', 'id:1', null, 'id:3'].map((userKey) => ({
      ruleId: '2',
      issueId: '10',
      spec,
      userKey,
    }));
    expect(await bumpCounters(redis, prefix, reqs, T0)).toEqual([1, 2, 2, 2, 3]);
    expect(await bumpCounters(redis, prefix, [{ ...reqs[0]!, userKey: 'id:4' }], T0 + 11 * 60_000)).toEqual([1]);
  });

  it('lets a rule fire once per interval and records the first suppression only', async () => {
    const req = { ruleId: '3', subject: '10', intervalMs: 60_000 };
    expect(await takeGates(redis, prefix, [req, req, req, { ...req, subject: '11' }], T0)).toEqual([
      'fire',
      'suppressed',
      'suppressed-again',
      'fire',
    ]);
    await releaseGates(redis, prefix, [req]);
    expect(await takeGates(redis, prefix, [req], T0)).toEqual(['fire']);
  });
});
