// The scrub step's settings are read once per batch; a cache entry that expires while the batch
// runs (a long batch on a busy worker) must not fail the batch's events.
import { LRUCache } from 'lru-cache';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/src/config.js';
import { loadScrubInputs } from '../../../server/src/pipeline/scrub.js';
import type { ScrubRules } from '../../../server/src/scrub/rules.js';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject } from '../../helpers/db-fixtures.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('loadScrubInputs', () => {
  it('keeps the batch its rules after the cache entry expires', async () => {
    const { projectId } = await createProject(db.pool, 'scrub-ttl');
    const cache = new LRUCache<string, ScrubRules>({ max: 10, ttl: 5 });
    const input = await loadScrubInputs({ pool: db.pool, config: loadConfig({}) }, cache, [projectId]);
    await sleep(20);
    expect(cache.get(projectId)).toBeUndefined(); // expired in the cache…
    expect(input(projectId)).not.toBeInstanceOf(Error); // …but not for the batch that loaded it
  });

  it('answers an error for a project it did not load, so its event retries', async () => {
    const input = await loadScrubInputs({ pool: db.pool, config: loadConfig({}) }, new LRUCache({ max: 10 }), []);
    expect(input('12345')).toBeInstanceOf(Error);
  });
});
