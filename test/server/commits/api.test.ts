// Commits, repositories, code mappings, ownership and teams through the API: clear 400s naming
// the field (commits without ids, unknown repositories, malformed rules with their line) that
// leave everything as it was, source links at the release's commit, and the rollback target
// of a deploy whose previous release has no deploy record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { call } from '../../helpers/api-client.js';
import { createIssueWithEvent, createMember } from '../../helpers/alert-fixtures.js';

let server: TestServer;
let token: string;
const api = (p: string, opts: { method?: string; body?: unknown } = {}) =>
  call(server.url, `/api/0${p}`, { ...opts, token });
const org = () => server.project.orgSlug;
const proj = () => `/projects/${server.project.orgSlug}/${server.project.slug}`;
const commit = (id: string, path: string) => ({
  id,
  repository: 'acme/shop',
  message: `change ${path}`,
  author_name: 'Ann',
  author_email: 'ann@x.io',
  timestamp: '2026-01-01T00:00:00Z',
  patch_set: [{ path, type: 'M' }],
});

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'api' });
  token = (await createMember(server.pool, server.project.orgId, 'owner@x.io', 'owner')).token;
  await createMember(server.pool, server.project.orgId, 'ann@x.io');
  expect(
    (
      await api(`/organizations/${org()}/releases/`, {
        method: 'POST',
        body: { version: 'web@1.0.0', projects: [server.project.slug] },
      })
    ).status,
  ).toBe(201);
});
afterAll(async () => {
  await server?.stop();
});

describe('repositories and commits', () => {
  it('creates repositories (409 for a taken name, 400 naming a bad URL) and lists them for set-commits --auto', async () => {
    expect(
      (
        await api(`/organizations/${org()}/repos/`, {
          method: 'POST',
          body: { name: 'acme/shop', url: 'https://github.com/acme/shop' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api(`/organizations/${org()}/repos/`, {
          method: 'POST',
          body: { name: 'acme/shop', url: 'https://github.com/acme/shop' },
        })
      ).status,
    ).toBe(409);
    const bad = await api(`/organizations/${org()}/repos/`, {
      method: 'POST',
      body: { name: 'acme/x', url: 'javascript:alert(1)' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('url');
    const list = await api(`/organizations/${org()}/repos/`);
    expect(list.body).toEqual([
      expect.objectContaining({ name: 'acme/shop', url: 'https://github.com/acme/shop', status: 'active' }),
    ]);
  });

  it('refuses commits without ids and refs to unknown repositories, changing nothing', async () => {
    const ok = await api(`/organizations/${org()}/releases/web@1.0.0/`, {
      method: 'PUT',
      body: { commits: [commit('a1b2c3', 'lib/pay.js'), commit('0ld', 'app.js')] },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ commitCount: 2, lastCommit: { id: 'a1b2c3' } });

    const noId = await api(`/organizations/${org()}/releases/web@1.0.0/`, {
      method: 'PUT',
      body: {
        dateReleased: '2026-02-01T00:00:00Z',
        commits: [commit('ffff', 'x.js'), { ...commit('', 'y.js'), id: undefined }],
      },
    });
    expect(noId.status).toBe(400);
    expect(noId.body.error.message).toContain('commits.1.id');
    const badRef = await api(`/organizations/${org()}/releases/web@1.0.0/`, {
      method: 'PUT',
      body: {
        refs: [
          { repository: 'acme/shop', commit: 'aaa' },
          { repository: 'acme/nope', commit: 'bbb' },
        ],
      },
    });
    expect(badRef.status).toBe(400);
    expect(badRef.body.error).toMatchObject({
      code: 'unknown-repository',
      message: expect.stringContaining('refs.1.repository'),
    });

    const after = await api(`/organizations/${org()}/releases/web@1.0.0/`);
    expect(after.body).toMatchObject({ commitCount: 2, lastCommit: { id: 'a1b2c3' }, dateReleased: null });
  });

  it('sets a head commit from refs (--commit) and clears with [] (--clear)', async () => {
    await api(`/organizations/${org()}/releases/`, {
      method: 'POST',
      body: { version: 'web@0.9.0', projects: [server.project.slug] },
    });
    const set = await api(`/organizations/${org()}/releases/web@0.9.0/`, {
      method: 'PUT',
      body: { refs: [{ repository: 'acme/shop', commit: 'c0ffee', previousCommit: null }] },
    });
    expect(set.body).toMatchObject({ commitCount: 1, lastCommit: { id: 'c0ffee' } });
    const cleared = await api(`/organizations/${org()}/releases/web@0.9.0/`, { method: 'PUT', body: { refs: [] } });
    expect(cleared.body).toMatchObject({ commitCount: 0, lastCommit: null });
  });
});

describe('code mappings and source links', () => {
  it('links in-app frames to the file at the line, at the commit of the release', async () => {
    const bad = await api(`${proj()}/code-mappings/`, {
      method: 'POST',
      body: { repository: 'acme/none', stackRoot: '' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('repository');
    expect(
      (
        await api(`${proj()}/code-mappings/`, {
          method: 'POST',
          body: { repository: 'acme/shop', stackRoot: '', sourceRoot: 'web', defaultBranch: 'main' },
        })
      ).status,
    ).toBe(201);
    const { eventId } = await createIssueWithEvent(server.pool, server.project.projectId, 'TypeError: boom');
    const links = await api(`${proj()}/events/${eventId}/source-links/`);
    expect(links.body.links).toEqual([
      { exception: 0, frame: 0, url: 'https://github.com/acme/shop/blob/a1b2c3/web/app.js#L1' },
      { exception: 0, frame: 1, url: 'https://github.com/acme/shop/blob/a1b2c3/web/lib/pay.js#L12' },
    ]);
    expect((await api(`${proj()}/events/not-an-id/committers/`)).status).toBe(400);
  });
});

describe('ownership and teams', () => {
  it('rejects malformed rules and unknown owners with the line number, keeping the saved rules', async () => {
    expect((await api(`${proj()}/ownership/`, { method: 'PUT', body: { raw: 'path:src/* ann@x.io' } })).status).toBe(
      200,
    );
    for (const [raw, text] of [
      ['path:src/* ann@x.io\npath:lib/*', 'raw: line 2: no owners'],
      ['# c\npath:src/* ann@x.io\nurl:* nobody@x.io', 'raw: line 3: nobody@x.io is not a member'],
      ['path:src/* #ghosts', 'raw: line 1: #ghosts is not a team'],
    ] as const) {
      const r = await api(`${proj()}/ownership/`, { method: 'PUT', body: { raw, fallthrough: false } });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain(text);
    }
    const bad = await api(`${proj()}/ownership/`, { method: 'PUT', body: { autoAssignment: 'Sometimes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('autoAssignment');
    expect((await api(`${proj()}/ownership/`)).body).toMatchObject({
      raw: 'path:src/* ann@x.io',
      fallthrough: true,
      autoAssignment: 'Auto Assign to Issue Owner',
    });
  });

  it('imports CODEOWNERS (team handles become #teams), or names the line it cannot map', async () => {
    expect(
      (await api(`/organizations/${org()}/teams/`, { method: 'POST', body: { name: 'Payments' } })).body,
    ).toMatchObject({ slug: 'payments' });
    const unmapped = await api(`${proj()}/codeowners/`, {
      method: 'POST',
      body: { raw: '/lib/ @acme/payments\n*.js @ann-gh' },
    });
    expect(unmapped.status).toBe(400);
    expect(unmapped.body.error.message).toContain('line 2');
    const ok = await api(`${proj()}/codeowners/`, {
      method: 'POST',
      body: { raw: '/lib/ @acme/payments\n*.js @ann-gh', associations: { '@ann-gh': 'ann@x.io' } },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.raw).toBe('path:src/* ann@x.io\ncodeowners:/lib/ #payments\ncodeowners:*.js ann@x.io');
  });
});

describe('rollback target', () => {
  it('falls back to the release last seen in the environment when it has no deploy record', async () => {
    await createIssueWithEvent(server.pool, server.project.projectId, 'Error: seen on 1.0.0'); // release web@1.0.0, production, no deploy
    await api(`/organizations/${org()}/releases/`, {
      method: 'POST',
      body: { version: 'web@2.0.0', projects: [server.project.slug] },
    });
    const deploy = await api(`/organizations/${org()}/releases/web@2.0.0/deploys/`, {
      method: 'POST',
      body: { environment: 'production' },
    });
    const health = await api(`/organizations/${org()}/releases/web@2.0.0/deploys/${deploy.body.id}/health/`);
    expect(health.body.rollbackTarget).toMatchObject({ version: 'web@1.0.0', deployId: null, source: 'last-seen' });
  });
});

describe('deploy health regressions', () => {
  it('names the suspect commit of a regression the deploy brought back', async () => {
    await api(`/organizations/${org()}/releases/`, {
      method: 'POST',
      body: { version: 'web@3.0.0', projects: [server.project.slug] },
    });
    const put = await api(`/organizations/${org()}/releases/web@3.0.0/`, {
      method: 'PUT',
      body: { commits: [commit('fe11', 'README.md'), commit('ba5e', 'lib/pay.js')] },
    });
    expect(put.status).toBe(200);
    const deploy = await api(`/organizations/${org()}/releases/web@3.0.0/deploys/`, {
      method: 'POST',
      body: { environment: 'production', dateFinished: new Date(Date.now() - 60_000).toISOString() },
    });
    const { issueId } = await createIssueWithEvent(server.pool, server.project.projectId, 'Error: back again');
    await server.pool.query(
      `UPDATE issues SET first_seen = now() - interval '2 days', status = 'unresolved', substatus = 'regressed' WHERE id = $1`,
      [issueId],
    );
    await server.pool.query(`UPDATE events SET release = 'web@3.0.0' WHERE issue_id = $1`, [issueId]);
    const health = await api(`/organizations/${org()}/releases/web@3.0.0/deploys/${deploy.body.id}/health/`);
    expect(health.body.regressions).toEqual([
      expect.objectContaining({
        issueId,
        suspectCommits: [expect.objectContaining({ id: 'ba5e', author: { name: 'ann', email: 'ann@x.io' } })], // the member's name
      }),
    ]);
    const reason = health.body.reasons.find((r: { issueId?: string }) => r.issueId === issueId);
    expect(reason.message).toContain('suspect commit ba5e by ann');
  });
});
