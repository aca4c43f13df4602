import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteOverride,
  deleteSchedule,
  findSchedule,
  findUsers,
  insertOverride,
  listOverrides,
  resolveMembers,
  upsertSchedule,
} from '../../../server/src/oncall/queries.js';
import { findOnCall } from '../../../server/src/oncall/resolve.js';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject } from '../../helpers/factories.js';
import { createMember } from '../../helpers/alert-fixtures.js';

describe('on-call queries', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let project: Awaited<ReturnType<typeof createProject>>;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    db = await createTestDatabase();
    project = await createProject(db.pool);
    for (const name of ['ana', 'ben'])
      ids[name] = (await createMember(db.pool, project.orgId, `${name}@example.com`)).userId;
    const outsider = await createProject(db.pool);
    ids.zed = (await createMember(db.pool, outsider.orgId, 'zed@example.com')).userId;
  });
  afterAll(async () => {
    await db.drop();
  });

  it('resolves members by id or email, only within the organization', async () => {
    const m = await resolveMembers(db.pool, project.projectId, [
      ids.ana!,
      'BEN@example.com',
      ids.zed!,
      'zed@example.com',
    ]);
    expect(m.get(ids.ana!)).toBe(ids.ana);
    expect(m.get('ben@example.com')).toBe(ids.ben);
    expect(m.has(ids.zed!)).toBe(false);
    expect(m.has('zed@example.com')).toBe(false);
    expect([...(await findUsers(db.pool, [ids.ana!])).values()]).toEqual([
      { id: ids.ana, email: 'ana@example.com', name: 'ana' },
    ]);
  });

  it('stores a schedule and overrides, and resolves who is on call', async () => {
    const schedule = {
      memberIds: [ids.ana!, ids.ben!],
      rotationLength: 2,
      rotationUnit: 'days' as const,
      handoffTime: '08:30',
      timeZone: 'America/New_York',
      startDate: '2024-01-01',
    };
    await upsertSchedule(db.pool, project.projectId, schedule);
    await upsertSchedule(db.pool, project.projectId, { ...schedule, rotationLength: 1 });
    expect(await findSchedule(db.pool, project.projectId)).toMatchObject({
      ...schedule,
      rotationLength: 1,
      projectId: project.projectId,
    });

    // 2024-01-01 08:30 New York = 13:30Z; one-day shifts: ana, ben, ana, ...
    const at = Date.parse('2024-01-02T13:29:00Z');
    expect((await findOnCall(db.pool, project.projectId, at)).current).toMatchObject({
      userId: ids.ana,
      source: 'rotation',
      end: '2024-01-02T13:30:00.000Z',
    });
    const o = await insertOverride(db.pool, project.projectId, {
      userId: ids.ben!,
      start: Date.parse('2024-01-02T12:00:00Z'),
      end: Date.parse('2024-01-02T14:00:00Z'),
    });
    expect((await listOverrides(db.pool, project.projectId, new Date(at))).map((x) => x.id)).toEqual([o.id]);
    const covered = await findOnCall(db.pool, project.projectId, at);
    expect(covered.current).toMatchObject({ user: { email: 'ben@example.com' }, source: 'override' });
    expect(covered.next).toMatchObject({ user: { email: 'ana@example.com' }, start: '2024-01-03T13:30:00.000Z' });

    expect(await deleteOverride(db.pool, project.projectId, o.id)).toBe(true);
    expect(await deleteSchedule(db.pool, project.projectId)).toBe(true);
    expect(await findOnCall(db.pool, project.projectId, at)).toEqual({ schedule: null, current: null, next: null });
  });
});
