// The SSO API without a provider: the login page's config, the per-organization password switch
// and what it refuses, the browser flow's failure redirects, and access requests' input checks.
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { call, cookieHeader, cookieValue } from '../../helpers/api-client.js';
import { createMember, type Member } from '../../helpers/api-factories.js';
import { startSession } from '../../../server/src/users/sessions.js';

async function deadIssuer(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `http://127.0.0.1:${port}`; // nothing listens: the provider is "down"
}

describe('SSO routes without OpenID Connect configured', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'api' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('offers only the password form and refuses to turn it off', async () => {
    const owner = await createMember(server.pool, { orgId: server.project.orgId, role: 'owner' });
    expect((await call(server.url, '/api/0/auth/config/')).body).toEqual({ passwordLogin: true, sso: null });
    const res = await call(server.url, `/api/0/organizations/${server.project.orgSlug}/auth-policy/`, {
      method: 'PUT',
      token: owner.token,
      body: { passwordLogin: false },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('sso-not-configured');
    const start = await fetch(`${server.url}/api/0/auth/oidc/login/`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    expect(start.headers.get('location')).toBe('/login/?error=sso-not-configured');
  });
});

describe('SSO routes with OpenID Connect configured', () => {
  let server: TestServer;
  let owner: Member;
  let admin: Member;
  let member: Member;
  let outsider: Member;
  let other: CreatedProject;
  let org: string;

  beforeAll(async () => {
    server = await startTestServer({
      ROLE: 'api',
      OIDC_ISSUER: await deadIssuer(),
      OIDC_CLIENT_ID: 'faultline',
      OIDC_BUTTON_LABEL: 'Sign in with Acme',
    });
    org = server.project.orgSlug;
    owner = await createMember(server.pool, { orgId: server.project.orgId, role: 'owner' });
    admin = await createMember(server.pool, { orgId: server.project.orgId, role: 'admin' });
    member = await createMember(server.pool, { orgId: server.project.orgId, role: 'member' });
    other = await createProject(server.pool, { baseUrl: server.url });
    outsider = await createMember(server.pool, { orgId: other.orgId, role: 'owner' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const policy = (who: Member, passwordLogin: boolean, slug = org) =>
    call(server.url, `/api/0/organizations/${slug}/auth-policy/`, {
      method: 'PUT',
      token: who.token,
      body: { passwordLogin },
    });
  const passwordLogin = (who: Member) =>
    call(server.url, '/api/0/auth/login/', { method: 'POST', body: { email: who.email, password: who.password } });

  it('only owners switch password login; a bad body is a 400 naming the field', async () => {
    expect((await policy(admin, false)).status).toBe(403);
    expect((await policy(outsider, false)).status).toBe(404);
    const bad = await call(server.url, `/api/0/organizations/${org}/auth-policy/`, {
      method: 'PUT',
      token: owner.token,
      body: { passwordLogin: 'no' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('passwordLogin');
    expect((await call(server.url, `/api/0/organizations/${org}/auth-policy/`, { token: member.token })).body).toEqual({
      passwordLogin: true,
      sso: { label: 'Sign in with Acme' },
    });
  });

  it("password login off signs out the members' password sessions, except the owner's own", async () => {
    const sessionOf = async (who: Member) => {
      const res = await passwordLogin(who);
      expect(res.status).toBe(200);
      return { cookie: cookieHeader(res.cookies), csrf: cookieValue(res.cookies, 'faultline_csrf')! };
    };
    const [ownerSession, memberSession, outsiderSession] = [
      await sessionOf(owner),
      await sessionOf(member),
      await sessionOf(outsider),
    ];
    const sso = await startSession(server.pool, {
      userId: member.userId,
      ipAddress: '127.0.0.1',
      userAgent: 'test',
      now: new Date(),
      idToken: 'header.payload.signature', // what an SSO login stores
    });
    const ssoSession = { cookie: `faultline_session=${sso.token}` };
    const me = (s: { cookie: string }) => call(server.url, '/api/0/auth/', { cookie: s.cookie });
    const off = await call(server.url, `/api/0/organizations/${org}/auth-policy/`, {
      method: 'PUT',
      cookie: ownerSession.cookie,
      headers: { 'x-csrf-token': ownerSession.csrf },
      body: { passwordLogin: false },
    });
    expect(off.status).toBe(200);
    try {
      expect((await me(memberSession)).status).toBe(401);
      expect((await me(ssoSession)).status).toBe(200); // the member's SSO session stays
      expect((await me(ownerSession)).status).toBe(200); // the owner who switched keeps the session in use
      expect((await me(outsiderSession)).status).toBe(200); // another organization's member
      expect((await call(server.url, `/api/0/organizations/${org}/`, { token: member.token })).status).toBe(200);
    } finally {
      expect((await policy(owner, true)).status).toBe(200);
    }
  });

  it('password login off: the endpoint refuses members, tokens work, other organizations are untouched', async () => {
    expect((await policy(owner, false)).status).toBe(200);
    try {
      for (const who of [owner, member]) {
        const res = await passwordLogin(who);
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('password-login-disabled');
      }
      expect((await passwordLogin({ ...member, password: 'wrong password' })).status).toBe(401);
      expect((await passwordLogin(outsider)).status).toBe(200);
      expect((await call(server.url, `/api/0/organizations/${org}/`, { token: member.token })).status).toBe(200);
      expect((await call(server.url, `/api/0/auth/config/?org=${org}`)).body).toEqual({
        passwordLogin: false,
        sso: { label: 'Sign in with Acme' },
      });
      expect((await call(server.url, `/api/0/auth/config/?org=${other.orgSlug}`)).body.passwordLogin).toBe(true);
      expect((await call(server.url, '/api/0/auth/config/?org=no-such-org')).body.passwordLogin).toBe(true); // some organization still allows it

      // An invitation cannot create a password account in that organization.
      const inv = await call(server.url, `/api/0/organizations/${org}/invitations/`, {
        method: 'POST',
        token: owner.token,
        body: { role: 'member' },
      });
      const signup = await call(server.url, `/api/0/invitations/${inv.body.token}/accept/`, {
        method: 'POST',
        body: { email: 'new@example.com', password: 'long enough password' },
      });
      expect(signup.status).toBe(403);
      expect(signup.body.error.code).toBe('password-login-disabled');
    } finally {
      expect((await policy(owner, true)).status).toBe(200);
    }
    expect((await passwordLogin(member)).status).toBe(200);
  });

  it('provider down: the SSO button leads back to the login page with a clear code, keeping a safe next', async () => {
    const res = await fetch(
      `${server.url}/api/0/auth/oidc/login/?next=${encodeURIComponent('/organizations/x/issues/')}`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(
      `/login/?error=sso-unavailable&next=${encodeURIComponent('/organizations/x/issues/')}`,
    );
    const evil = await fetch(`${server.url}/api/0/auth/oidc/login/?next=${encodeURIComponent('//evil.example/')}`, {
      redirect: 'manual',
    });
    expect(evil.headers.get('location')).toBe('/login/?error=sso-unavailable');
  });

  it('refuses callbacks without a pending login (forged, replayed, another browser)', async () => {
    for (const cookie of [undefined, 'faultline_oidc=not-a-handle', `faultline_oidc=${'a'.repeat(43)}`]) {
      const res = await fetch(`${server.url}/api/0/auth/oidc/callback/?code=abc&state=xyz`, {
        redirect: 'manual',
        headers: cookie ? { cookie } : {},
      });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/login/?error=sso-expired');
      expect(res.headers.getSetCookie().join(';')).not.toContain('faultline_session=');
    }
    const long = await fetch(`${server.url}/api/0/auth/oidc/callback/?code=${'x'.repeat(9000)}`, {
      redirect: 'manual',
    });
    expect(long.headers.get('location')).toBe('/login/?error=sso-refused');
  });

  it('checks access-request input and access', async () => {
    const base = `/api/0/organizations/${org}/access-requests/`;
    expect((await call(server.url, base, { token: member.token })).status).toBe(403);
    expect((await call(server.url, base, { token: admin.token })).body).toEqual([]);
    expect((await call(server.url, `${base}abc/`, { method: 'POST', token: admin.token, body: {} })).status).toBe(400);
    expect(
      (await call(server.url, `${base}${member.userId}/`, { method: 'POST', token: admin.token, body: {} })).status,
    ).toBe(404);
    expect(
      (
        await call(server.url, `${base}${member.userId}/`, {
          method: 'POST',
          token: admin.token,
          body: { role: 'owner' },
        })
      ).status,
    ).toBe(403);
    expect((await call(server.url, `${base}${member.userId}/`, { method: 'DELETE', token: admin.token })).status).toBe(
      404,
    );
  });
});
