import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import {
  ensureEventPartitions,
  eventKey,
  insertEvents,
  isMissingPartitionError,
  type NewEventRow,
} from '../../../server/src/events/queries.js';
import { findEvent, listIssueEvents } from '../../../server/src/events/read-queries.js';
import { createProject } from '../../helpers/db-fixtures.js';

describe('events queries', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let projectId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    ({ projectId } = await createProject(db.pool, 'ev'));
  });
  afterAll(async () => {
    await db.drop();
  });

  const row = (eventId: string, timestamp = new Date().toISOString()): NewEventRow => ({
    projectId,
    eventId,
    timestamp,
    receivedAt: timestamp,
    issueId: '1',
    level: 'error',
    release: null,
    environment: null,
    serverName: null,
    userKey: null,
    title: 'T',
    primaryHash: null,
    payload: JSON.stringify({ event_id: eventId }),
  });

  it('inserts each event once and reports only the rows it inserted', async () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    expect(await insertEvents(db.pool, [row(a, '2026-11-20T10:00:00.000Z')])).toEqual(
      new Set([eventKey(projectId, a)]),
    );
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

  it('stores payloads compressed out of line, byte-exact, and still reads rows stored as jsonb', async () => {
    const issueId = '77';
    const frames = Array.from({ length: 30 }, (_, i) => ({
      filename: `src/module-${i}.js`,
      function: `handler${i}`,
      lineno: i + 1,
      context_line: '  return computeTotal(cart, "€ ✓ \\u0000-safe");',
    }));
    const payload = {
      event_id: 'd'.repeat(32),
      exception: { values: [{ type: 'TypeError', value: 'x', stacktrace: { frames } }] },
      tags: [['a', 'b']],
      extra: { emoji: '🚀', nul: 'a\u0000b' },
    };
    const at = '2026-11-21T10:00:00.000Z';
    await insertEvents(db.pool, [
      { ...row('d'.repeat(32), at), issueId, payload: JSON.stringify(payload) },
      { ...row('e'.repeat(32), at), issueId, payload: JSON.stringify({ ...payload, event_id: 'e'.repeat(32) }) },
    ]);
    // Written before migration 0080: jsonb payload, no payload_z.
    await db.pool.query(
      `INSERT INTO events (project_id, event_id, timestamp, received_at, issue_id, level, title, payload)
                         VALUES ($1, $2, $3, $3, $4, 'error', 'old', $5)`,
      [
        projectId,
        'f'.repeat(32),
        '2026-11-21T09:00:00.000Z',
        issueId,
        JSON.stringify({ event_id: 'f'.repeat(32), tags: [['old', 'yes']] }),
      ],
    );

    const raw = await db.pool.query<{ payload: unknown; z: Buffer; storage: string }>(
      `SELECT payload, payload_z AS z, (SELECT attstorage FROM pg_attribute WHERE attrelid = 'events_20261121'::regclass AND attname = 'payload_z') AS storage
         FROM events WHERE event_id = $1::uuid`,
      ['d'.repeat(32)],
    );
    expect(raw.rows[0]!.payload).toBeNull();
    expect(raw.rows[0]!.z[0]).toBe(2); // format 2: zstd with the v1 dictionary
    expect(raw.rows[0]!.z.length).toBeLessThan(JSON.stringify(payload).length / 3);
    expect(raw.rows[0]!.storage).toBe('e'); // EXTERNAL on the partition too: no second compression attempt

    const one = await findEvent(db.pool, { projectId, issueId, pick: { kind: 'id', eventId: 'd'.repeat(32) } });
    expect(one!.payload).toEqual(payload);
    const old = await findEvent(db.pool, { projectId, issueId, pick: { kind: 'oldest' } });
    expect(old!.payload).toEqual({ event_id: 'f'.repeat(32), tags: [['old', 'yes']] });
    const list = await listIssueEvents(db.pool, { projectId, issueId, cursor: null, fetch: 10, full: false });
    expect(list.map((e) => e.eventId)).toEqual(['e'.repeat(32), 'd'.repeat(32), 'f'.repeat(32)]);
    expect(list[1]!.payload).toEqual({
      tags: [['a', 'b']],
      user: null,
      platform: null,
      logentry: null,
      message: null,
      type: null,
      exception: payload.exception,
    });
    expect(list[2]!.payload.tags).toEqual([['old', 'yes']]);
  });
});
