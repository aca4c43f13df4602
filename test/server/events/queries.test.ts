import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import { ensureEventPartitions, eventKey, insertEvents, isMissingPartitionError, type NewEventRow } from '../../../server/src/events/queries.js';
import { createProject } from '../pipeline/db-fixtures.js';

describe('events queries', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let projectId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    ({ projectId } = await createProject(db.pool, 'ev'));
  });
  afterAll(async () => { await db.drop(); });

  const row = (eventId: string, timestamp = new Date().toISOString()): NewEventRow => ({
    projectId, eventId, timestamp, receivedAt: timestamp, issueId: '1', level: 'error', release: null, environment: null,
    serverName: null, userKey: null, title: 'T', payload: JSON.stringify({ event_id: eventId }),
  });

  it('inserts each event once and reports only the rows it inserted', async () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    expect(await insertEvents(db.pool, [row(a, '2026-11-20T10:00:00.000Z')])).toEqual(new Set([eventKey(projectId, a)]));
    const second = await insertEvents(db.pool, [row(a, '2026-11-20T10:00:00.000Z'), row(b)]);
    expect(second).toEqual(new Set([eventKey(projectId, b)]));
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM events');
    expect(rows[0].n).toBe(2);
  });

  it('reports a missing partition so the caller can create it', async () => {
    const day = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
    await db.pool.query(`DROP TABLE events_${day.replace(/-/g, '')}`);
    const err = await insertEvents(db.pool, [row('c'.repeat(32), `${day}T12:00:00.000Z`)]).catch((e: unknown) => e);
    expect(isMissingPartitionError(err)).toBe(true);
    expect(await ensureEventPartitions(db.pool, day, day)).toBe(1);
    expect(await ensureEventPartitions(db.pool, day, day)).toBe(0);
    expect((await insertEvents(db.pool, [row('c'.repeat(32), `${day}T12:00:00.000Z`)])).size).toBe(1);
  });
});
