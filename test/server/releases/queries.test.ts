import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import { upsertEnvironmentsSeen, upsertReleasesSeen } from '../../../server/src/releases/queries.js';
import { createProject } from '../../helpers/db-fixtures.js';

describe('implicit release and environment queries', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: string;
  let b: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = (await createProject(db.pool, 'rel-a', { org: 'rel' })).projectId;
    b = (await createProject(db.pool, 'rel-b', { org: 'rel' })).projectId;
  });
  afterAll(async () => {
    await db.drop();
  });

  it('creates one release per organization and widens first/last event per project', async () => {
    const seen = (projectId: string, first: string, last: string, newIssueCount: number) => ({
      projectId,
      version: 'web@1',
      firstEventAt: `2026-11-26T${first}:00:00.000Z`,
      lastEventAt: `2026-11-26T${last}:00:00.000Z`,
      newIssueCount,
    });
    await upsertReleasesSeen(db.pool, [seen(a, '02', '03', 2), seen(b, '01', '01', 1)]);
    await upsertReleasesSeen(db.pool, [seen(a, '01', '02', 1), seen('999999', '01', '01', 1)]);
    const { rows } = await db.pool.query(
      `SELECT r.version, rp.project_id, rp.first_event_at, rp.last_event_at, rp.new_issue_count::int
         FROM releases r JOIN release_projects rp ON rp.release_id = r.id ORDER BY rp.project_id`,
    );
    expect(
      rows.map((r) => [
        r.version,
        r.project_id,
        r.first_event_at.toISOString().slice(11, 13),
        r.last_event_at.toISOString().slice(11, 13),
        r.new_issue_count,
      ]),
    ).toEqual([
      ['web@1', a, '01', '03', 3],
      ['web@1', b, '01', '01', 1],
    ]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM releases')).rows[0].n).toBe(1);
  });

  it('creates environments and widens their seen times', async () => {
    await upsertEnvironmentsSeen(db.pool, [
      { projectId: a, name: 'prod', firstSeen: '2026-11-26T02:00:00.000Z', lastSeen: '2026-11-26T02:00:00.000Z' },
    ]);
    await upsertEnvironmentsSeen(db.pool, [
      { projectId: a, name: 'prod', firstSeen: '2026-11-26T01:00:00.000Z', lastSeen: '2026-11-26T03:00:00.000Z' },
    ]);
    const { rows } = await db.pool.query('SELECT name, first_seen, last_seen FROM environments');
    expect(rows.map((r) => [r.name, r.first_seen.toISOString(), r.last_seen.toISOString()])).toEqual([
      ['prod', '2026-11-26T01:00:00.000Z', '2026-11-26T03:00:00.000Z'],
    ]);
  });
});
