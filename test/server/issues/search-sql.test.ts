// Free text in the issue search reads issue_search_text (migration 0200), which triggers keep in
// step with `issues`: these tests change issues the ways the product does (create, a newer event's
// title, a merge's delete) and search right after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { createIssue } from '../../helpers/api-factories.js';
import { countIssues, listIssues } from '../../../server/src/issues/read-queries.js';
import { parseIssueSearch } from '../../../server/src/issues/search.js';

describe('free text issue search', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let project: CreatedProject;
  let other: CreatedProject;
  beforeAll(async () => {
    db = await createTestDatabase();
    project = await createProject(db.pool, { orgSlug: 'text', slug: 'web' });
    other = await createProject(db.pool, { orgSlug: 'text', slug: 'other' });
  });
  afterAll(async () => {
    await db.drop();
  });

  const search = async (query: string, projectIds = [project.projectId]) => {
    const args = { projectIds, search: parseIssueSearch(query), callerUserId: '0' };
    const rows = await listIssues(db.pool, { ...args, sort: 'date', cursor: null, fetch: 100 });
    const hits = await countIssues(db.pool, { ...args, max: 1000 });
    expect(hits).toBe(rows.length);
    return rows.map((r) => r.title).sort();
  };

  it('matches a substring of the title or culprit, any case, and the exact short id', async () => {
    await createIssue(db.pool, { projectId: project.projectId, title: 'DbErrorV123: timeout', culprit: 'db/pool' });
    await createIssue(db.pool, { projectId: project.projectId, title: 'TypeError: x', culprit: 'app/dberrorv123.js' });
    const { shortId } = await createIssue(db.pool, {
      projectId: project.projectId,
      title: 'RangeError: y',
      culprit: 'app/r',
    });
    await createIssue(db.pool, { projectId: other.projectId, title: 'DbErrorV123 elsewhere' });
    expect(await search('dberrorv123')).toEqual(['DbErrorV123: timeout', 'TypeError: x']);
    expect(await search('!dberrorv123')).toEqual(['RangeError: y']);
    expect(await search(shortId)).toEqual(['RangeError: y']);
    expect(await search(shortId.toLowerCase())).toEqual(['RangeError: y']);
    expect(await search(`!${shortId}`)).toEqual(['DbErrorV123: timeout', 'TypeError: x']);
    expect(await search(shortId.replace('-', '-0'))).toEqual([]);
    expect(await search('Er')).toEqual(['DbErrorV123: timeout', 'RangeError: y', 'TypeError: x']); // under 3 characters
    expect(await search('DbErrorV123', [project.projectId, other.projectId])).toHaveLength(3);
  });

  it('takes % and _ literally', async () => {
    await createIssue(db.pool, { projectId: project.projectId, title: 'Quota 100% used', culprit: 'quota_check' });
    await createIssue(db.pool, { projectId: project.projectId, title: 'Quota 1000 used', culprit: 'quotaXcheck' });
    expect(await search('100%')).toEqual(['Quota 100% used']);
    expect(await search('quota_check')).toEqual(['Quota 100% used']);
  });

  it('follows a new title or culprit and forgets a deleted issue', async () => {
    const { id } = await createIssue(db.pool, { projectId: project.projectId, title: 'OldTitleError', culprit: 'a/b' });
    await db.pool.query(`UPDATE issues SET title = 'NewTitleError', culprit = 'new/culprit' WHERE id = $1`, [id]);
    expect(await search('OldTitleError')).toEqual([]);
    expect(await search('NewTitleError')).toEqual(['NewTitleError']);
    expect(await search('new/culprit')).toEqual(['NewTitleError']);
    await db.pool.query('UPDATE issues SET event_count = event_count + 1 WHERE id = $1', [id]);
    expect(await search('NewTitleError')).toEqual(['NewTitleError']);
    await db.pool.query('DELETE FROM issues WHERE id = $1', [id]);
    expect(await search('NewTitleError')).toEqual([]);
    const { rows } = await db.pool.query('SELECT 1 FROM issue_search_text WHERE issue_id = $1', [id]);
    expect(rows).toHaveLength(0);
  });
});
