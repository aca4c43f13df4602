import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { call, cookieHeader, cookieValue } from '../../helpers/api-client.js';
import { createIssue, createMember, type Member } from '../../helpers/api-factories.js';

describe('API authentication and access', () => {
  let server: TestServer;
  let other: CreatedProject;
  let member: Member;
  let outsider: Member;
  let issueId: string;
  let otherIssueId: string;

  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'api', MAX_API_BODY_BYTES: '2048', TRUST_PROXY: '1' });
    other = await createProject(server.pool, { baseUrl: server.url });
    member = await createMember(server.pool, { orgId: server.project.orgId, role: 'member' });
    outsider = await createMember(server.pool, { orgId: other.orgId });
    issueId = (await createIssue(server.pool, { projectId: server.project.projectId })).id;
    otherIssueId = (await createIssue(server.pool, { projectId: other.projectId })).id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers GET /api/0/ anonymously with no user, and with the user for a token', async () => {
    expect((await call(server.url, '/api/0/')).body).toEqual({ version: '0', auth: null, user: null });
    const res = await call(server.url, '/api/0/', { token: member.token });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: member.userId, email: member.email });
    expect(res.body.auth.scopes).toContain('event:write');
  });

  it('401 without credentials and with a wrong or malformed token', async () => {
    const none = await call(server.url, '/api/0/organizations/');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'not-authenticated' }, detail: expect.any(String) });
    const bad = await call(server.url, '/api/0/organizations/', { token: 'sntryu_nope' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('invalid-token');
    const basic = await call(server.url, '/api/0/organizations/', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(basic.status).toBe(401);
  });

  it("hides other organizations' data behind 404", async () => {
    const o = server.project;
    expect((await call(server.url, `/api/0/issues/${otherIssueId}/`, { token: member.token })).status).toBe(404);
    expect((await call(server.url, `/api/0/organizations/${other.orgSlug}/`, { token: member.token })).status).toBe(
      404,
    );
    expect(
      (await call(server.url, `/api/0/projects/${other.orgSlug}/${other.slug}/issues/`, { token: member.token }))
        .status,
    ).toBe(404);
    expect((await call(server.url, `/api/0/issues/${issueId}/`, { token: outsider.token })).status).toBe(404);
    const put = await call(server.url, `/api/0/projects/${o.orgSlug}/${o.slug}/issues/?id=${issueId}`, {
      method: 'PUT',
      token: outsider.token,
      body: { status: 'resolved' },
    });
    expect(put.status).toBe(404);
    const orgs = await call(server.url, '/api/0/organizations/', { token: member.token });
    expect(orgs.body.map((x: { slug: string }) => x.slug)).toEqual([o.orgSlug]);
  });

  it('enforces token scopes', async () => {
    const reader = await createMember(server.pool, {
      orgId: server.project.orgId,
      scopes: ['event:read', 'org:read', 'project:read'],
    });
    expect((await call(server.url, `/api/0/issues/${issueId}/`, { token: reader.token })).status).toBe(200);
    const put = await call(server.url, `/api/0/issues/${issueId}/`, {
      method: 'PUT',
      token: reader.token,
      body: { status: 'resolved' },
    });
    expect(put.status).toBe(403);
    expect(put.body.error.code).toBe('missing-scope');
  });

  it('logs in with a cookie, requires the CSRF token for writes, and logs out', async () => {
    const wrong = await call(server.url, '/api/0/auth/login/', {
      method: 'POST',
      body: { email: member.email, password: 'nope' },
    });
    expect(wrong.status).toBe(401);

    const login = await call(server.url, '/api/0/auth/login/', {
      method: 'POST',
      body: { email: member.email.toUpperCase(), password: member.password },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.email).toBe(member.email);
    const session = login.cookies.find((c) => c.startsWith('faultline_session='))!;
    expect(session).toMatch(/httponly/i);
    expect(session).toMatch(/samesite=lax/i);
    expect(session).not.toMatch(/secure/i);
    expect(cookieValue(login.cookies, 'faultline_csrf')).toBe(login.body.csrfToken);
    const cookie = cookieHeader(login.cookies);
    const stored = await server.pool.query('SELECT token_hash FROM user_sessions');
    expect(stored.rows.map((r) => r.token_hash)).not.toContain(cookieValue(login.cookies, 'faultline_session'));

    const me = await call(server.url, '/api/0/auth/', { cookie });
    expect(me.body).toMatchObject({ user: { id: member.userId }, csrfToken: login.body.csrfToken });
    expect((await call(server.url, `/api/0/issues/${issueId}/`, { cookie })).status).toBe(200);

    const noCsrf = await call(server.url, `/api/0/issues/${issueId}/`, {
      method: 'PUT',
      cookie,
      body: { status: 'resolved' },
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf-failed');
    const badCsrf = await call(server.url, `/api/0/issues/${issueId}/`, {
      method: 'PUT',
      cookie,
      headers: { 'x-csrf-token': 'x' },
      body: { status: 'resolved' },
    });
    expect(badCsrf.status).toBe(403);
    const ok = await call(server.url, `/api/0/issues/${issueId}/`, {
      method: 'PUT',
      cookie,
      headers: { 'x-csrf-token': login.body.csrfToken },
      body: { status: 'resolved' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('resolved');

    const out = await call(server.url, '/api/0/auth/', {
      method: 'DELETE',
      cookie,
      headers: { 'x-csrf-token': login.body.csrfToken },
    });
    expect(out.status).toBe(204);
    expect((await call(server.url, '/api/0/auth/', { cookie })).status).toBe(401);
  });

  it('marks the session cookie Secure behind an https proxy', async () => {
    const login = await call(server.url, '/api/0/auth/login/', {
      method: 'POST',
      headers: { 'x-forwarded-proto': 'https' },
      body: { email: member.email, password: member.password },
    });
    expect(login.status).toBe(200);
    expect(login.cookies.find((c) => c.startsWith('faultline_session='))).toMatch(/secure/i);
  });

  it('limits login attempts per email and IP', async () => {
    const victim = await createMember(server.pool, { orgId: server.project.orgId });
    const attempt = (ip: string) =>
      call(server.url, '/api/0/auth/login/', {
        method: 'POST',
        headers: { 'x-forwarded-for': ip },
        body: { email: victim.email, password: 'guess' },
      });
    for (let i = 0; i < 10; i++) expect((await attempt('203.0.113.7')).status).toBe(401);
    const limited = await attempt('203.0.113.7');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt('203.0.113.8')).status).toBe(401);
    const key = `${server.redisPrefix}:login-attempts:${createHash('sha256').update(`${victim.email}|203.0.113.7`).digest('hex')}`;
    expect(Number(await server.deps.redis.get(key))).toBe(11);
  });

  it('rejects bodies that are too large, not JSON, or invalid', async () => {
    const path = `/api/0/issues/${issueId}/`;
    const big = await call(server.url, path, {
      method: 'PUT',
      token: member.token,
      body: { status: 'resolved', pad: 'x'.repeat(4096) },
    });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('body-too-large');
    const notJson = await call(server.url, path, { method: 'PUT', token: member.token, body: '{"status":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid-json');
    const plain = await call(server.url, '/api/0/auth/login/', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ email: member.email, password: member.password }),
    });
    expect(plain.status).toBe(415);
    const invalid = await call(server.url, path, { method: 'PUT', token: member.token, body: { status: 'closed' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({
      code: 'invalid-request',
      details: { fieldErrors: { status: expect.any(Array) } },
    });
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const res = await call(server.url, '/api/0/nope/', { token: member.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not-found');
  });
});
