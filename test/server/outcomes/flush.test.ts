// The outcome flush (Redis hash → outcome_counts) against real Redis and Postgres: counts arrive
// once, also when a flush died after its commit, before its commit, or runs twice at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createTestDatabase } from '../../helpers/db.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { createProject } from '../../helpers/factories.js';
import {
  hourOf,
  outcomeField,
  outcomesKey,
  writeOutcomes,
} from '../../../server/src/shared/outcomes/outcome-counter.js';
import { flushOutcomes } from '../../../server/src/outcomes/flush.js';
import { insertOutcomeFlush, listOutcomeCounts, upsertOutcomeCounts } from '../../../server/src/outcomes/queries.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let redis: Redis;
const prefix = testRedisPrefix();
const log = pino({ level: 'silent' });
const HOUR = hourOf(Date.now());

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  redis.disconnect();
  await cleanRedisPrefix(prefix);
  await db.drop();
});

const deps = () => ({ pool: db.pool, redis, prefix, log });
async function totals(projectId: string): Promise<Record<string, number>> {
  const rows = await listOutcomeCounts(db.pool, {
    projectId,
    since: new Date((HOUR - 3600) * 1000),
    until: new Date((HOUR + 7200) * 1000),
  });
  return Object.fromEntries(rows.map((r) => [`${r.outcome}/${r.reason}`, r.quantity]));
}
const field = (projectId: string, reason: string) =>
  outcomeField(projectId, HOUR, 'error', { outcome: 'filtered', reason: reason as 'localhost' });

describe('flushOutcomes', () => {
  it('moves the live counters into Postgres and adds up repeated flushes', async () => {
    const { projectId } = await createProject(db.pool);
    await writeOutcomes(
      redis,
      prefix,
      new Map([
        [field(projectId, 'localhost'), 4],
        [outcomeField(projectId, HOUR, 'error', { outcome: 'accepted' }), 10],
      ]),
    );
    await flushOutcomes(deps());
    await writeOutcomes(redis, prefix, new Map([[field(projectId, 'localhost'), 1]]));
    await flushOutcomes(deps());
    expect(await totals(projectId)).toEqual({ 'accepted/': 10, 'filtered/localhost': 5 });
    expect(await redis.exists(outcomesKey(prefix))).toBe(0);
    expect(await redis.scard(`${prefix}:{outcomes}:pending`)).toBe(0);
  });

  it('finishes a flush that died after its commit without counting it twice', async () => {
    const { projectId } = await createProject(db.pool);
    await writeOutcomes(redis, prefix, new Map([[field(projectId, 'web-crawlers'), 7]]));
    const snapshot = `${prefix}:{outcomes}:snapshot:died-after-commit`;
    await redis.multi().rename(outcomesKey(prefix), snapshot).sadd(`${prefix}:{outcomes}:pending`, snapshot).exec();
    await insertOutcomeFlush(db.pool, 'died-after-commit');
    await upsertOutcomeCounts(db.pool, [
      {
        projectId,
        hour: new Date(HOUR * 1000).toISOString(),
        category: 'error',
        outcome: 'filtered',
        reason: 'web-crawlers',
        quantity: 7,
      },
    ]);
    await flushOutcomes(deps());
    expect(await totals(projectId)).toEqual({ 'filtered/web-crawlers': 7 });
    expect(await redis.exists(snapshot)).toBe(0);
  });

  it('finishes a flush that died before its commit, once, even with two flushers at once', async () => {
    const { projectId } = await createProject(db.pool);
    await writeOutcomes(redis, prefix, new Map([[field(projectId, 'release-version'), 3]]));
    const snapshot = `${prefix}:{outcomes}:snapshot:died-before-commit`;
    await redis.multi().rename(outcomesKey(prefix), snapshot).sadd(`${prefix}:{outcomes}:pending`, snapshot).exec();
    await writeOutcomes(redis, prefix, new Map([[field(projectId, 'release-version'), 2]]));
    await Promise.all([flushOutcomes(deps()), flushOutcomes(deps())]);
    expect(await totals(projectId)).toEqual({ 'filtered/release-version': 5 });
  });

  it('skips fields it cannot read instead of failing the flush', async () => {
    const { projectId } = await createProject(db.pool);
    await redis.hset(outcomesKey(prefix), 'garbage', '3', `${HOUR}|notanumber|error|accepted|`, '1');
    await writeOutcomes(redis, prefix, new Map([[field(projectId, 'environment'), 1]]));
    await flushOutcomes(deps());
    expect(await totals(projectId)).toEqual({ 'filtered/environment': 1 });
  });
});
