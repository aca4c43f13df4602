// X-Hits / X-Max-Hits on the issue lists (Sentry sends both): the number of issues the search
// matches, independent of the page size, counted only up to 1000 so a huge project stays cheap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { call } from '../../helpers/api-client.js';
import { createIssue, createMember, type Member } from '../../helpers/api-factories.js';

describe('X-Hits on issue lists', () => {
  let server: TestServer;
  let small: CreatedProject;
  let big: CreatedProject;
  let owner: Member;

  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'api' });
    small = await createProject(server.pool, { orgSlug: 'hits', slug: 'small', baseUrl: server.url });
    big = await createProject(server.pool, { orgSlug: 'hits', slug: 'big', baseUrl: server.url });
    owner = await createMember(server.pool, { orgId: small.orgId, role: 'owner' });
    for (const title of ['TypeError: a', 'TypeError: b', 'RangeError: c'])
      await createIssue(server.pool, { projectId: small.projectId, title });
    await createIssue(server.pool, { projectId: small.projectId, title: 'TypeError: old', status: 'resolved' });
    await server.pool.query(
      `INSERT INTO issues (project_id, short_id, title, first_seen, last_seen)
       SELECT $1, g, 'BulkError: ' || g, now(), now() FROM generate_series(1, 1200) AS g`,
      [big.projectId],
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  const list = (path: string) => call(server.url, path, { token: owner.token });

  it.each<[string, string]>([
    ['/api/0/projects/hits/small/issues/', '3'],
    ['/api/0/projects/hits/small/issues/?limit=1', '3'],
    ['/api/0/projects/hits/small/issues/?query=TypeError', '3'], // any status: an explicit query replaces is:unresolved
    ['/api/0/projects/hits/small/issues/?query=is:resolved', '1'],
    ['/api/0/projects/hits/small/issues/?query=NoSuchThing', '0'],
    [`/api/0/organizations/hits/issues/?query=is:unresolved+TypeError`, '2'],
  ])('%s → X-Hits %s', async (path, hits) => {
    const res = await list(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-hits')).toBe(hits);
    expect(res.headers.get('x-max-hits')).toBe('1000');
  });

  it('stops counting at X-Max-Hits', async () => {
    const res = await list('/api/0/projects/hits/big/issues/?limit=5');
    expect(res.body).toHaveLength(5);
    expect(res.headers.get('x-hits')).toBe('1000');
    expect(res.headers.get('x-max-hits')).toBe('1000');
  });
});
