// The protection settings API in Sentry's shapes: inbound filters (list, per-filter PUT, bulk
// PUT), quotas (validation, effective values with config defaults), key API validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { call } from '../../helpers/api-client.js';
import { createMember, type Member } from '../../helpers/api-factories.js';

let s: TestServer;
let owner: Member;
let member: Member;
const api = (path: string) => `/api/0/projects/${s.project.orgSlug}/${s.project.slug}${path}`;

beforeAll(async () => {
  s = await startTestServer({ ROLE: 'api', PROJECT_QUOTA_PER_HOUR: '5000', ORG_QUOTA_PER_MINUTE: '900' });
  owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
  member = await createMember(s.pool, { orgId: s.project.orgId, role: 'member' });
});
afterAll(async () => {
  await s?.stop();
});

describe('inbound filters API', () => {
  it('lists every filter, all off on a new project', async () => {
    const r = await call(s.url, api('/filters/'), { token: member.token });
    expect(r.body).toEqual([
      { id: 'browser-extensions', active: false },
      { id: 'localhost', active: false },
      { id: 'legacy-browsers', active: false },
      { id: 'web-crawlers', active: false },
      { id: 'error-messages', active: false, patterns: [] },
      { id: 'releases', active: false, patterns: [] },
      { id: 'environments', active: false, patterns: [] },
    ]);
  });

  it('switches single filters in Sentry style and keeps the others', async () => {
    expect(
      (await call(s.url, api('/filters/web-crawlers/'), { method: 'PUT', token: owner.token, body: { active: true } }))
        .status,
    ).toBe(204);
    expect(
      (
        await call(s.url, api('/filters/legacy-browsers/'), {
          method: 'PUT',
          token: owner.token,
          body: { active: true },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call(s.url, api('/filters/releases/'), {
          method: 'PUT',
          token: owner.token,
          body: { patterns: ['*-dev', '0.*'] },
        })
      ).status,
    ).toBe(204);
    const list = (await call(s.url, api('/filters/'), { token: owner.token })).body as Array<{ id: string }>;
    expect(list.filter((f) => ['web-crawlers', 'legacy-browsers', 'releases'].includes(f.id))).toEqual([
      { id: 'legacy-browsers', active: ['default'] },
      { id: 'web-crawlers', active: true },
      { id: 'releases', active: true, patterns: ['*-dev', '0.*'] },
    ]);
    expect(
      (await call(s.url, api('/filters/releases/'), { method: 'PUT', token: owner.token, body: { active: false } }))
        .status,
    ).toBe(204);
    const { rows } = await s.pool.query<{ f: Record<string, unknown> }>(
      'SELECT inbound_filters AS f FROM projects WHERE id = $1',
      [s.project.projectId],
    );
    expect(rows[0]!.f).toMatchObject({ webCrawlers: true, legacyBrowsers: ['default'], releases: [] });
  });

  it('rejects unknown filters, bad values and non-admins', async () => {
    expect(
      (await call(s.url, api('/filters/made-up/'), { method: 'PUT', token: owner.token, body: { active: true } }))
        .status,
    ).toBe(404);
    expect(
      (
        await call(s.url, api('/filters/localhost/'), {
          method: 'PUT',
          token: owner.token,
          body: { subfilters: ['ie'] },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call(s.url, api('/filters/'), {
          method: 'PUT',
          token: owner.token,
          body: { legacyBrowsers: ['netscape'] },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call(s.url, api('/filters/'), {
          method: 'PUT',
          token: owner.token,
          body: { errorMessages: Array(101).fill('x') },
        })
      ).status,
    ).toBe(400);
    expect(
      (await call(s.url, api('/filters/localhost/'), { method: 'PUT', token: member.token, body: { active: true } }))
        .status,
    ).toBe(403);
  });
});

describe('quotas API', () => {
  it('shows own values and what applies with the configured defaults', async () => {
    const r = await call(s.url, api('/quotas/'), { token: member.token });
    expect(r.body).toEqual({
      eventsPerMinute: null,
      eventsPerHour: null,
      effective: { eventsPerMinute: null, eventsPerHour: 5000 },
      organization: {
        eventsPerMinute: null,
        eventsPerHour: null,
        effective: { eventsPerMinute: 900, eventsPerHour: null },
      },
    });
    const put = await call(s.url, api('/quotas/'), {
      method: 'PUT',
      token: owner.token,
      body: { eventsPerHour: 0, eventsPerMinute: 60 },
    });
    expect(put.body).toMatchObject({
      eventsPerMinute: 60,
      eventsPerHour: 0,
      effective: { eventsPerMinute: 60, eventsPerHour: null },
    });
  });

  it('validates input', async () => {
    expect(
      (await call(s.url, api('/quotas/'), { method: 'PUT', token: owner.token, body: { eventsPerMinute: -1 } })).status,
    ).toBe(400);
    expect(
      (await call(s.url, api('/quotas/'), { method: 'PUT', token: owner.token, body: { perDay: 1 } })).status,
    ).toBe(400);
    expect(
      (
        await call(s.url, `/api/0/organizations/${s.project.orgSlug}/quotas/`, {
          method: 'PUT',
          token: member.token,
          body: { eventsPerHour: 1 },
        })
      ).status,
    ).toBe(403);
  });
});

describe('keys API', () => {
  it('validates rate limits and answers 404 for foreign keys', async () => {
    expect(
      (
        await call(s.url, api('/keys/'), {
          method: 'POST',
          token: owner.token,
          body: { rateLimit: { window: 0, count: 5 } },
        })
      ).status,
    ).toBe(400);
    expect((await call(s.url, api(`/keys/${'0'.repeat(32)}/`), { token: owner.token })).status).toBe(404);
    expect((await call(s.url, api('/keys/not-a-key/'), { method: 'PUT', token: owner.token, body: {} })).status).toBe(
      404,
    );
    const got = await call(s.url, api(`/keys/${s.project.publicKey}/`), { token: member.token });
    expect(got.body).toMatchObject({
      id: s.project.publicKey,
      public: s.project.publicKey,
      isActive: true,
      rateLimit: null,
    });
  });

  it('answers 404 for the sampling state of an unknown issue', async () => {
    expect((await call(s.url, '/api/0/issues/999999999/sampling/', { token: owner.token })).status).toBe(404);
  });
});
