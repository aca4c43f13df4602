// Personal API tokens through the API: created from a browser session and answered once, stored
// as a SHA-256, listed without the token, usable at once, revocable (by body tokenId or path),
// and a revoked token is refused on the very next request. Only the caller's own tokens.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { call, cookieHeader, type CallOptions } from '../../helpers/api-client.js';
import { createMember, type Member } from '../../helpers/api-factories.js';

interface Session {
  cookie: string;
  csrf: string;
}

describe('personal API tokens (/api/0/api-tokens/)', () => {
  let server: TestServer;
  let alice: Member;
  let bob: Member;
  let aliceSession: Session;
  let bobSession: Session;

  async function login(m: Member): Promise<Session> {
    const res = await call(server.url, '/api/0/auth/login/', {
      method: 'POST',
      body: { email: m.email, password: m.password },
    });
    expect(res.status).toBe(200);
    return { cookie: cookieHeader(res.cookies), csrf: res.body.csrfToken as string };
  }
  const as = (s: Session, path: string, opts: CallOptions = {}) =>
    call(server.url, path, { ...opts, cookie: s.cookie, headers: { 'x-csrf-token': s.csrf, ...opts.headers } });
  const create = (s: Session, body: unknown) => as(s, '/api/0/api-tokens/', { method: 'POST', body });

  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'api' });
    alice = await createMember(server.pool, { orgId: server.project.orgId, role: 'owner' });
    bob = await createMember(server.pool, { orgId: server.project.orgId, role: 'member' });
    aliceSession = await login(alice);
    bobSession = await login(bob);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates a token, answers it once and stores only its hash', async () => {
    const res = await create(aliceSession, { name: 'ci', scopes: ['project:read', 'event:read'] });
    expect(res.status).toBe(201);
    const token = res.body.token as string;
    expect(token).toMatch(/^sntryu_[0-9a-f]{64}$/);
    expect(res.body).toMatchObject({
      name: 'ci',
      scopes: ['project:read', 'event:read'],
      lastUsed: null,
      tokenLastCharacters: token.slice(-4),
    });
    const { rows } = await server.pool.query<{ token_hash: string }>(
      'SELECT token_hash FROM api_tokens WHERE id = $1',
      [res.body.id],
    );
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(token).digest('hex'));

    const list = await as(aliceSession, '/api/0/api-tokens/');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(token.slice(7, 40));
    const row = list.body.find((t: { id: string }) => t.id === res.body.id);
    expect(Object.keys(row).sort()).toEqual([
      'application',
      'dateCreated',
      'expiresAt',
      'id',
      'lastUsed',
      'name',
      'scopes',
      'tokenLastCharacters',
    ]);

    const me = await call(server.url, '/api/0/', { token });
    expect(me.body.auth.scopes).toEqual(['project:read', 'event:read']);
    const after = await as(aliceSession, '/api/0/api-tokens/');
    expect(after.body.find((t: { id: string }) => t.id === res.body.id).lastUsed).toEqual(expect.any(String));
  });

  it('gives a token without scopes every scope', async () => {
    const res = await create(aliceSession, { name: 'all' });
    expect(res.status).toBe(201);
    expect(res.body.scopes).toContain('event:admin');
    expect((await call(server.url, '/api/0/', { token: res.body.token })).body.auth.scopes).toEqual(res.body.scopes);
  });

  it('revokes with {"tokenId"} (Sentry) and by path; a revoked token stops working at once', async () => {
    const a = (await create(aliceSession, { name: 'one' })).body;
    const b = (await create(aliceSession, { name: 'two' })).body;
    expect((await call(server.url, '/api/0/organizations/', { token: a.token })).status).toBe(200);

    expect((await as(aliceSession, '/api/0/api-tokens/', { method: 'DELETE', body: { tokenId: a.id } })).status).toBe(
      204,
    );
    const refused = await call(server.url, '/api/0/organizations/', { token: a.token });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('invalid-token');

    expect((await as(aliceSession, `/api/0/api-tokens/${b.id}/`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(server.url, '/api/0/organizations/', { token: b.token })).status).toBe(401);
    expect((await as(aliceSession, `/api/0/api-tokens/${b.id}/`, { method: 'DELETE' })).status).toBe(404); // already revoked
    const ids = (await as(aliceSession, '/api/0/api-tokens/')).body.map((t: { id: string }) => t.id);
    expect(ids).not.toContain(a.id);
    expect(ids).not.toContain(b.id);
  });

  it("neither lists nor revokes another user's tokens", async () => {
    const mine = (await create(aliceSession, { name: 'alice-only' })).body;
    const bobs = await as(bobSession, '/api/0/api-tokens/');
    expect(bobs.body.map((t: { id: string }) => t.id)).not.toContain(mine.id);
    expect((await as(bobSession, `/api/0/api-tokens/${mine.id}/`, { method: 'DELETE' })).status).toBe(404);
    expect((await as(bobSession, '/api/0/api-tokens/', { method: 'DELETE', body: { tokenId: mine.id } })).status).toBe(
      404,
    );
    expect((await call(server.url, '/api/0/organizations/', { token: mine.token })).status).toBe(200);
  });

  it('needs a session (not a token) and the CSRF header; rejects unknown scopes', async () => {
    const byToken = await call(server.url, '/api/0/api-tokens/', {
      method: 'POST',
      token: alice.token,
      body: { name: 'x' },
    });
    expect(byToken.status).toBe(403);
    expect(byToken.body.error.code).toBe('session-required');
    expect((await call(server.url, '/api/0/api-tokens/', { token: alice.token })).status).toBe(403);
    expect((await call(server.url, '/api/0/api-tokens/')).status).toBe(401);
    const noCsrf = await call(server.url, '/api/0/api-tokens/', {
      method: 'POST',
      cookie: aliceSession.cookie,
      body: { name: 'x' },
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf-failed');
    expect((await create(aliceSession, { name: 'x', scopes: ['root:everything'] })).status).toBe(400);
    expect((await as(aliceSession, '/api/0/api-tokens/', { method: 'DELETE', body: {} })).status).toBe(400);
  });
});
