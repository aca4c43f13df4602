// POST …/releases/{version}/deploys/ announces the deploy on the organization's live stream
// (the marker the stream page shows), with the release's project slugs; when the stream cannot
// be written the deploy is still recorded and answered 201.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { streamKey } from '../../../server/src/realtime/hub.js';
import type { DeployCreateMessage } from '../../../server/src/realtime/messages.js';
import { call } from '../../helpers/api-client.js';
import { createApiToken } from '../../helpers/sentry-cli.js';

describe('deploy markers on the live stream', () => {
  let server: TestServer;
  let second: CreatedProject;
  let token: string;
  const version = 'shop@3.1.0';

  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'api' });
    second = await createProject(server.pool, { orgSlug: server.project.orgSlug, slug: 'worker', baseUrl: server.url });
    token = await createApiToken(server.pool, server.project.orgId);
    const { rows } = await server.pool.query<{ id: string }>(
      'INSERT INTO releases (organization_id, version) VALUES ($1, $2) RETURNING id',
      [server.project.orgId, version],
    );
    for (const projectId of [server.project.projectId, second.projectId]) {
      await server.pool.query('INSERT INTO release_projects (release_id, project_id) VALUES ($1, $2)', [
        rows[0]!.id,
        projectId,
      ]);
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  const key = () => streamKey(server.redisPrefix, server.project.orgId);
  const post = (body: unknown) =>
    call(
      server.url,
      `/api/0/organizations/${server.project.orgSlug}/releases/${encodeURIComponent(version)}/deploys/`,
      { method: 'POST', token, body },
    );
  async function markers(): Promise<DeployCreateMessage[]> {
    const entries = await server.deps.redis.xrange(key(), '-', '+');
    return entries
      .map(([, fields]) => JSON.parse(fields[1]!) as DeployCreateMessage)
      .filter((m) => m.type === 'DeployCreate');
  }

  it('publishes the recorded deploy before answering', async () => {
    const res = await post({
      environment: 'production',
      name: 'blue-green',
      url: 'https://ci.example.com/42',
      dateStarted: '2026-01-05T10:00:00Z',
      dateFinished: '2026-01-05T10:04:00Z',
    });
    expect(res.status).toBe(201);
    const [marker] = await markers();
    expect(marker).toMatchObject({
      type: 'DeployCreate',
      deploy: {
        id: res.body.id,
        release: version,
        environment: 'production',
        name: 'blue-green',
        url: 'https://ci.example.com/42',
        dateStarted: '2026-01-05T10:00:00.000Z',
        dateFinished: '2026-01-05T10:04:00.000Z',
      },
    });
    expect([...marker!.deploy.projects].sort()).toEqual([server.project.slug, 'worker'].sort());
  });

  it('names only the projects the deploy was recorded for', async () => {
    const res = await post({ environment: 'staging', projects: ['worker'] });
    expect(res.status).toBe(201);
    expect((await markers()).at(-1)!.deploy).toMatchObject({
      id: res.body.id,
      environment: 'staging',
      projects: ['worker'],
      dateStarted: null,
    });
  });

  it('still records the deploy (201) when the stream cannot be written', async () => {
    await server.deps.redis.del(key());
    await server.deps.redis.set(key(), 'not a stream'); // XADD now fails with WRONGTYPE
    const res = await post({ environment: 'canary' });
    expect(res.status).toBe(201);
    const { rows } = await server.pool.query('SELECT environment FROM deploys WHERE id = $1', [res.body.id]);
    expect(rows).toEqual([{ environment: 'canary' }]);
    await server.deps.redis.del(key());
  });
});
