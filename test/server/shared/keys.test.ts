// The cached project key lookup against real Postgres: caching, negative caching, refresh,
// invalidation and serving known keys while Postgres is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../../server/src/db/pool.js';
import { createPool } from '../../../server/src/db/pool.js';
import { createKeyLookup } from '../../../server/src/shared/keys.js';
import { createTestDatabase } from '../../helpers/db.js';
import { waitFor } from '../../helpers/wait.js';
import { createProject, createProjectKey, type CreatedProject } from '../../helpers/factories.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: CreatedProject;

beforeAll(async () => {
  db = await createTestDatabase();
  project = await createProject(db.pool, { slug: 'web', orgSlug: 'acme' });
});
afterAll(async () => {
  await db?.drop();
});

/** The real pool, counting the queries that reach it. */
function counting(pool: Queryable): Queryable & { count: () => number } {
  let n = 0;
  return {
    query: ((...args: Parameters<Queryable['query']>) => {
      n++;
      return pool.query(...args);
    }) as Queryable['query'],
    count: () => n,
  };
}

function clock() {
  let t = 1_000_000;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('createKeyLookup', () => {
  it('returns the key with its project and organization, and caches it', async () => {
    const db2 = counting(db.pool);
    const keys = createKeyLookup(db2);
    const expected = {
      keyId: project.keyId,
      projectId: project.projectId,
      organizationId: project.orgId,
      publicKey: project.publicKey,
      isActive: true,
      rateLimit: null,
      quotas: { projectPerMinute: null, projectPerHour: null, orgPerMinute: null, orgPerHour: null },
      inboundFilters: {},
      allowedDomains: ['*'],
    };
    expect(await keys.find(project.publicKey)).toEqual(expected);
    expect(await keys.find(project.publicKey)).toEqual(expected);
    expect(db2.count()).toBe(1);
  });

  it('reads the rate limit columns', async () => {
    const k = await createProjectKey(db.pool, project.projectId);
    await db.pool.query('UPDATE project_keys SET rate_limit_count = 100, rate_limit_window = 60 WHERE id = $1', [
      k.keyId,
    ]);
    expect((await createKeyLookup(db.pool).find(k.publicKey))?.rateLimit).toEqual({ count: 100, window: 60 });
  });

  it('coalesces concurrent lookups of one key into one query', async () => {
    const db2 = counting(db.pool);
    const keys = createKeyLookup(db2);
    const found = await Promise.all(Array.from({ length: 20 }, () => keys.find(project.publicKey)));
    expect(found.every((f) => f?.projectId === project.projectId)).toBe(true);
    expect(db2.count()).toBe(1);
  });

  it('answers null for malformed keys without asking Postgres', async () => {
    const db2 = counting(db.pool);
    expect(await createKeyLookup(db2).find('Z'.repeat(32))).toBeNull();
    expect(db2.count()).toBe(0);
  });

  it('caches unknown keys briefly, then sees a key created later', async () => {
    const c = clock();
    const keys = createKeyLookup(db.pool, { now: c.now, negativeTtlMs: 5_000 });
    const k = { publicKey: 'a'.repeat(32) };
    expect(await keys.find(k.publicKey)).toBeNull();
    await db.pool.query(`INSERT INTO project_keys (project_id, public_key, secret_key) VALUES ($1, $2, $2)`, [
      project.projectId,
      k.publicKey,
    ]);
    expect(await keys.find(k.publicKey)).toBeNull();
    c.advance(5_001);
    // Expired: the stale answer is served once while the refresh runs, then the new one.
    await keys.find(k.publicKey);
    await waitFor(async () => (await keys.find(k.publicKey))?.projectId === project.projectId);
  });

  it('sees a disabled key after invalidate()', async () => {
    const k = await createProjectKey(db.pool, project.projectId);
    const keys = createKeyLookup(db.pool);
    expect((await keys.find(k.publicKey))?.isActive).toBe(true);
    await db.pool.query('UPDATE project_keys SET is_active = false WHERE id = $1', [k.keyId]);
    expect((await keys.find(k.publicKey))?.isActive).toBe(true);
    keys.invalidate(k.publicKey);
    expect((await keys.find(k.publicKey))?.isActive).toBe(false);
    keys.invalidate();
    expect((await keys.find(k.publicKey))?.isActive).toBe(false);
  });

  it('keeps serving known keys when Postgres is down, and fails for unknown ones', async () => {
    const pool = createPool(db.url, 1);
    const c = clock();
    const keys = createKeyLookup(pool, { now: c.now, ttlMs: 60_000 });
    expect((await keys.find(project.publicKey))?.projectId).toBe(project.projectId);
    await pool.end(); // every later query fails
    c.advance(120_000);
    for (let i = 0; i < 5; i++) expect((await keys.find(project.publicKey))?.projectId).toBe(project.projectId);
    await expect(keys.find('b'.repeat(32))).rejects.toThrow(/project key lookup/);
  });
});
