// Leases against real Postgres: one holder at a time, given back after the run (also when it
// throws), and a lease whose holder died is taken over once it expires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLease } from '../../../server/src/db/lease.js';
import { createTestDatabase } from '../../helpers/db.js';

describe('withLease', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('runs one holder at a time and gives the lease back afterwards', async () => {
    let inner: string | null | undefined;
    const outer = await withLease(db.pool, 'job-a', 60_000, async () => {
      inner = await withLease(db.pool, 'job-a', 60_000, async () => 'second');
      expect(await withLease(db.pool, 'job-b', 60_000, async () => 'other name')).toBe('other name');
      return 'first';
    });
    expect(outer).toBe('first');
    expect(inner).toBeNull();
    expect(await withLease(db.pool, 'job-a', 60_000, async () => 'again')).toBe('again');
  });

  it('gives the lease back when the run throws', async () => {
    await expect(
      withLease(db.pool, 'job-c', 60_000, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await withLease(db.pool, 'job-c', 60_000, async () => 'ran')).toBe('ran');
  });

  it('takes over the expired lease of a holder that died', async () => {
    await db.pool.query(
      `INSERT INTO schedule_leases (name, holder, held_until) VALUES ('job-d', 'dead', now() + interval '1 hour')`,
    );
    expect(await withLease(db.pool, 'job-d', 60_000, async () => 'ran')).toBeNull();
    await db.pool.query(`UPDATE schedule_leases SET held_until = now() - interval '1 second' WHERE name = 'job-d'`);
    expect(await withLease(db.pool, 'job-d', 60_000, async () => 'ran')).toBe('ran');
  });
});
