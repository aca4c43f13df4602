import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import { withTransaction } from '../../../server/src/db/tx.js';
import {
  allocateShortIds,
  findIssueHashes,
  insertIssueHashes,
  insertIssues,
  issueHashLockKey,
  lockIssueHashes,
  lockIssues,
  updateIssueCounters,
  upsertIssueHourlyCounts,
  upsertIssueTagValues,
  type NewIssueRow,
} from '../../../server/src/issues/queries.js';
import { createProject } from '../../helpers/db-fixtures.js';

describe('issue write queries', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let projectId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    ({ projectId } = await createProject(db.pool, 'iq'));
  });
  afterAll(async () => {
    await db.drop();
  });

  const newIssue = (shortId: number, title: string): NewIssueRow => ({
    projectId,
    shortId,
    title,
    culprit: 'c',
    type: 'error',
    level: 'error',
    platform: 'node',
    substatus: 'new',
    metadata: { type: 'E' },
    grouping: { basis: 'stacktrace' },
    firstSeen: '2026-11-26T01:00:00.000Z',
    lastSeen: '2026-11-26T01:00:00.000Z',
    firstRelease: 'app@1',
  });

  it('allocates consecutive short ids and null for a missing project', async () => {
    expect(await allocateShortIds(db.pool, projectId, 2)).toBe(1);
    expect(await allocateShortIds(db.pool, projectId, 1)).toBe(3);
    expect(await allocateShortIds(db.pool, '999999', 1)).toBeNull();
  });

  it('creates issues, attaches hashes and finds them again', async () => {
    const ids = await insertIssues(db.pool, [newIssue(1, 'A'), newIssue(2, 'B')]);
    expect(ids).toHaveLength(2);
    await insertIssueHashes(db.pool, [
      { projectId, hash: 'h1', issueId: ids[0]! },
      { projectId, hash: 'h2', issueId: ids[1]! },
    ]);
    await insertIssueHashes(db.pool, [{ projectId, hash: 'h1', issueId: ids[1]! }]); // already attached: kept
    const found = await findIssueHashes(db.pool, [
      { projectId, hash: 'h1' },
      { projectId, hash: 'h2' },
      { projectId, hash: 'nope' },
    ]);
    expect(found.sort((a, b) => a.hash.localeCompare(b.hash))).toEqual([
      { projectId, hash: 'h1', issueId: ids[0] },
      { projectId, hash: 'h2', issueId: ids[1] },
    ]);
  });

  it('counts distinct new user tag values and applies counter deltas', async () => {
    const [id] = await insertIssues(db.pool, [newIssue(3, 'C')]);
    await withTransaction(db.pool, async (tx) => {
      expect(await lockIssues(tx, [id!])).toEqual([
        { id, status: 'unresolved', substatus: 'new', resolvedAt: null, resolvedInRelease: null },
      ]);
      await upsertIssueHourlyCounts(tx, [{ issueId: id!, hour: '2026-11-26T01:00:00.000Z', count: 2 }]);
      const t = { firstSeen: '2026-11-26T01:00:00.000Z', lastSeen: '2026-11-26T01:30:00.000Z' };
      const first = await upsertIssueTagValues(tx, [
        { issueId: id!, key: 'user', value: 'id:1', count: 1, ...t },
        { issueId: id!, key: 'user', value: 'id:2', count: 1, ...t },
      ]);
      expect(first.get(id!)).toBe(2);
      const second = await upsertIssueTagValues(tx, [
        { issueId: id!, key: 'user', value: 'id:2', count: 1, ...t },
        { issueId: id!, key: 'user', value: 'id:3', count: 1, ...t },
      ]);
      expect(second.get(id!)).toBe(1);
      await updateIssueCounters(tx, [
        {
          issueId: id!,
          eventCount: 4,
          newUsers: 3,
          firstSeen: '2026-11-26T00:30:00.000Z',
          lastSeen: '2026-11-26T01:30:00.000Z',
          latest: { title: 'C2', culprit: 'c2', level: 'fatal', metadata: { type: 'E2' }, release: 'app@2' },
          firstRelease: 'app@0',
          status: 'unresolved',
          substatus: 'new',
          resolvedAt: null,
          resolvedInRelease: null,
        },
      ]);
    });
    const { rows } = await db.pool.query(
      'SELECT title, level, event_count::int, user_count::int, first_seen, last_release, first_release FROM issues WHERE id = $1',
      [id],
    );
    expect(rows[0]).toMatchObject({
      title: 'C2',
      level: 'fatal',
      event_count: 4,
      user_count: 3,
      last_release: 'app@2',
      first_release: 'app@1',
    });
    expect(rows[0].first_seen.toISOString()).toBe('2026-11-26T00:30:00.000Z');
    const { rows: tags } = await db.pool.query(
      'SELECT value, count::int FROM issue_tag_values WHERE issue_id = $1 ORDER BY value',
      [id],
    );
    expect(tags).toEqual([
      { value: 'id:1', count: 1 },
      { value: 'id:2', count: 2 },
      { value: 'id:3', count: 1 },
    ]);
  });

  it('keeps title and release when the batch is older than the issue', async () => {
    const [id] = await insertIssues(db.pool, [{ ...newIssue(4, 'D'), lastSeen: '2026-11-26T05:00:00.000Z' }]);
    await updateIssueCounters(db.pool, [
      {
        issueId: id!,
        eventCount: 1,
        newUsers: 0,
        firstSeen: '2026-11-26T01:00:00.000Z',
        lastSeen: '2026-11-26T02:00:00.000Z',
        latest: { title: 'old', culprit: 'old', level: 'info', metadata: {}, release: 'app@0' },
        firstRelease: null,
        status: 'unresolved',
        substatus: 'new',
        resolvedAt: null,
        resolvedInRelease: null,
      },
    ]);
    const { rows } = await db.pool.query('SELECT title, last_release, last_seen FROM issues WHERE id = $1', [id]);
    expect(rows[0]).toMatchObject({ title: 'D', last_release: 'app@1' });
    expect(rows[0].last_seen.toISOString()).toBe('2026-11-26T05:00:00.000Z');
  });

  it('takes hash locks that block a second transaction until the first commits', async () => {
    const order: string[] = [];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((r) => (releaseFirst = r));
    let locked!: () => void;
    const firstLocked = new Promise<void>((r) => (locked = r));
    const first = withTransaction(db.pool, async (tx) => {
      await lockIssueHashes(tx, [
        { projectId, hash: 'x' },
        { projectId, hash: 'y' },
      ]);
      locked();
      await firstHolds;
      order.push('first');
    });
    await firstLocked;
    const second = withTransaction(db.pool, async (tx) => {
      await lockIssueHashes(tx, [{ projectId, hash: 'y' }]);
      order.push('second');
    });
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    expect(issueHashLockKey(projectId, 'x')).not.toBe(issueHashLockKey(projectId, 'y'));
  });
});
