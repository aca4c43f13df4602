import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProject } from '../../helpers/factories.js';
import { call, cookieHeader, cookieValue } from '../../helpers/api-client.js';
import { createMember, type Member } from '../../helpers/api-factories.js';

describe('members and invitations API', () => {
  let server: TestServer;
  let owner: Member;
  let admin: Member;
  let member: Member;
  let outsider: Member;
  let org: string;

  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'api' });
    org = server.project.orgSlug;
    owner = await createMember(server.pool, { orgId: server.project.orgId, role: 'owner' });
    admin = await createMember(server.pool, { orgId: server.project.orgId, role: 'admin' });
    member = await createMember(server.pool, { orgId: server.project.orgId, role: 'member' });
    const other = await createProject(server.pool, { baseUrl: server.url });
    outsider = await createMember(server.pool, { orgId: other.orgId, role: 'owner' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('lists members to members and hides the organization from outsiders', async () => {
    const res = await call(server.url, `/api/0/organizations/${org}/members/`, { token: member.token });
    expect(res.status).toBe(200);
    expect(res.body.map((m: { email: string; role: string }) => [m.email, m.role]).sort()).toEqual(
      [
        [owner.email, 'owner'],
        [admin.email, 'admin'],
        [member.email, 'member'],
      ].sort(),
    );
    expect((await call(server.url, `/api/0/organizations/${org}/members/`, { token: outsider.token })).status).toBe(
      404,
    );
  });

  it('applies the role rules', async () => {
    const put = (who: Member, target: Member, role: string) =>
      call(server.url, `/api/0/organizations/${org}/members/${target.userId}/`, {
        method: 'PUT',
        token: who.token,
        body: { role },
      });
    expect((await put(member, member, 'admin')).status).toBe(403);
    expect((await put(admin, member, 'owner')).status).toBe(403);
    expect((await put(admin, owner, 'member')).status).toBe(403);
    const lastOwner = await put(owner, owner, 'member');
    expect(lastOwner.status).toBe(409);
    expect(lastOwner.body.error.code).toBe('last-owner');
    const ok = await put(admin, member, 'admin');
    expect(ok.status).toBe(200);
    expect(ok.body.role).toBe('admin');
    expect((await put(owner, member, 'member')).status).toBe(200);
  });

  it('invites by link: preview, sign up, join, logged in; the link works once', async () => {
    const created = await call(server.url, `/api/0/organizations/${org}/invitations/`, {
      method: 'POST',
      token: admin.token,
      body: { role: 'member' },
    });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    expect(created.body.url).toMatch(new RegExp(`/accept-invite/${token}/$`));
    expect(
      (await call(server.url, `/api/0/organizations/${org}/invitations/`, { token: admin.token })).body,
    ).toHaveLength(1);
    expect((await call(server.url, `/api/0/organizations/${org}/invitations/`, { token: member.token })).status).toBe(
      403,
    );

    const preview = await call(server.url, `/api/0/invitations/${token}/`);
    expect(preview.body).toMatchObject({ organization: { slug: org }, role: 'member', email: null });

    const email = `invited-${Date.now()}@example.com`;
    const accepted = await call(server.url, `/api/0/invitations/${token}/accept/`, {
      method: 'POST',
      body: { name: 'New Person', email, password: 'long enough password' },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.organization.slug).toBe(org);
    const cookie = cookieHeader(accepted.cookies);
    const session = await call(server.url, '/api/0/auth/', { cookie });
    expect(session.body.user.email).toBe(email);
    expect(session.body.organizations.map((o: { slug: string }) => o.slug)).toEqual([org]);

    const again = await call(server.url, `/api/0/invitations/${token}/accept/`, {
      method: 'POST',
      body: { email: 'x@example.com', password: 'long enough password' },
    });
    expect(again.status).toBe(404);
  });

  it('lets a signed-in user accept (with the CSRF token) and enforces an invitation email', async () => {
    const login = await call(server.url, '/api/0/auth/login/', {
      method: 'POST',
      body: { email: outsider.email, password: outsider.password },
    });
    const cookie = cookieHeader(login.cookies);
    const csrf = cookieValue(login.cookies, 'faultline_csrf')!;
    const bound = await call(server.url, `/api/0/organizations/${org}/invitations/`, {
      method: 'POST',
      token: owner.token,
      body: { role: 'admin', email: 'someone-else@example.com' },
    });
    const mismatch = await call(server.url, `/api/0/invitations/${bound.body.token}/accept/`, {
      method: 'POST',
      cookie,
      headers: { 'x-csrf-token': csrf },
    });
    expect(mismatch.status).toBe(403);

    const open = await call(server.url, `/api/0/organizations/${org}/invitations/`, {
      method: 'POST',
      token: owner.token,
      body: { role: 'admin' },
    });
    const noCsrf = await call(server.url, `/api/0/invitations/${open.body.token}/accept/`, { method: 'POST', cookie });
    expect(noCsrf.status).toBe(403);
    const ok = await call(server.url, `/api/0/invitations/${open.body.token}/accept/`, {
      method: 'POST',
      cookie,
      headers: { 'x-csrf-token': csrf },
    });
    expect(ok.status).toBe(200);
    const members = await call(server.url, `/api/0/organizations/${org}/members/`, { token: owner.token });
    expect(members.body.find((m: { email: string }) => m.email === outsider.email)?.role).toBe('admin');
  });

  it('revokes invitations and lets members leave, but not the last owner', async () => {
    const inv = await call(server.url, `/api/0/organizations/${org}/invitations/`, {
      method: 'POST',
      token: owner.token,
      body: { role: 'member' },
    });
    expect(
      (
        await call(server.url, `/api/0/organizations/${org}/invitations/${inv.body.id}/`, {
          method: 'DELETE',
          token: owner.token,
        })
      ).status,
    ).toBe(204);
    expect((await call(server.url, `/api/0/invitations/${inv.body.token}/`)).status).toBe(404);
    expect(
      (
        await call(server.url, `/api/0/organizations/${org}/invitations/`, {
          method: 'POST',
          token: admin.token,
          body: { role: 'owner' },
        })
      ).status,
    ).toBe(403);

    const leave = await call(server.url, `/api/0/organizations/${org}/members/${owner.userId}/`, {
      method: 'DELETE',
      token: owner.token,
    });
    expect(leave.status).toBe(409);
    expect(
      (
        await call(server.url, `/api/0/organizations/${org}/members/${member.userId}/`, {
          method: 'DELETE',
          token: member.token,
        })
      ).status,
    ).toBe(204);
    expect((await call(server.url, `/api/0/organizations/${org}/members/`, { token: member.token })).status).toBe(404);
  });
});
