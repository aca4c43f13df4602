import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { createIssue } from '../../helpers/api-factories.js';
import { listIssueSummaries } from '../../../server/src/realtime/queries.js';

describe('listIssueSummaries', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let project: CreatedProject;

  beforeAll(async () => {
    db = await createTestDatabase();
    project = await createProject(db.pool, { slug: 'web' });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('returns short id, culprit, project slug and organization for each issue', async () => {
    const a = await createIssue(db.pool, { projectId: project.projectId, culprit: 'charge(app.js)' });
    const b = await createIssue(db.pool, { projectId: project.projectId });
    const rows = await listIssueSummaries(db.pool, [a.id, b.id, '999999']);
    expect(rows.sort((x, y) => Number(x.issueId) - Number(y.issueId))).toEqual([
      {
        issueId: a.id,
        shortId: a.shortId,
        culprit: 'charge(app.js)',
        projectId: project.projectId,
        projectSlug: 'web',
        organizationId: project.orgId,
      },
      {
        issueId: b.id,
        shortId: b.shortId,
        culprit: 'app/handler',
        projectId: project.projectId,
        projectSlug: 'web',
        organizationId: project.orgId,
      },
    ]);
    expect(await listIssueSummaries(db.pool, [])).toEqual([]);
  });
});
