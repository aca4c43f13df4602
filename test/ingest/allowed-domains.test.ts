// A project's allowed domains (Sentry's "Allowed Domains"): browser events from other origins
// are refused with Relay's 403, set through the project details API and picked up by ingest at
// once (the key cache is invalidated); server SDKs (no Origin or Referer) are never affected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowedOrigin } from '../../ingest/src/allowed-domains.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { call } from '../helpers/api-client.js';
import { createMember, type Member } from '../helpers/api-factories.js';

describe('isAllowedOrigin', () => {
  it.each([
    ['https://app.example.com', ['*'], true],
    ['https://app.example.com', ['example.com'], false],
    ['https://example.com/checkout', ['example.com'], true],
    ['https://app.example.com', ['*.example.com'], true],
    ['https://example.com', ['*.example.com'], true],
    ['https://evil-example.com', ['*.example.com'], false],
    ['http://example.com', ['https://example.com'], false],
    ['https://example.com', ['https://example.com'], true],
    ['https://example.com:8443', ['example.com:8443'], true],
    ['https://example.com', ['example.com:8443'], false],
    ['http://localhost:80', ['*:80'], true],
    ['https://shop.example', [], false],
    ['not a url', ['example.com'], false],
  ] as const)('%s with %j → %s', (origin, patterns, allowed) => {
    expect(isAllowedOrigin(origin, patterns)).toBe(allowed);
  });

  it('always allows requests without an origin (server SDKs)', () => {
    expect(isAllowedOrigin(undefined, [])).toBe(true);
  });
});

describe('allowed domains through the API and ingest', () => {
  let s: TestServer;
  let owner: Member;
  let member: Member;
  beforeAll(async () => {
    s = await startTestServer({ ROLE: 'all' });
    owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
    member = await createMember(s.pool, { orgId: s.project.orgId, role: 'member' });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const projectPath = () => `/api/0/projects/${s.project.orgSlug}/${s.project.slug}/`;
  const send = (headers: Record<string, string>) =>
    request(`${s.url}/api/${s.project.projectId}/envelope/?sentry_key=${s.project.publicKey}&sentry_version=7`, {
      headers: { 'content-type': 'application/x-sentry-envelope', ...headers },
      body: `{}\n{"type":"event"}\n{"message":"from the browser","platform":"javascript"}`,
    });

  it('allows every origin by default', async () => {
    expect((await call(s.url, projectPath(), { token: member.token })).body.allowedDomains).toEqual(['*']);
    expect((await send({ origin: 'https://anything.example' })).status).toBe(200);
  });

  it('refuses other origins once set, counted as invalid/cors', async () => {
    expect(
      (
        await call(s.url, projectPath(), {
          method: 'PUT',
          token: member.token,
          body: { allowedDomains: ['*.shop.example'] },
        })
      ).status,
    ).toBe(403);
    const put = await call(s.url, projectPath(), {
      method: 'PUT',
      token: owner.token,
      body: { allowedDomains: ['*.shop.example', ' '] },
    });
    expect(put.status).toBe(200);
    expect(put.body.allowedDomains).toEqual(['*.shop.example']);

    const refused = await waitFor(
      async () => {
        const r = await send({ origin: 'https://evil.example' });
        return r.status === 403 ? r : null;
      },
      { message: 'ingest to pick up the new allowed domains' },
    );
    expect(JSON.parse(refused.body.toString())).toEqual({ detail: 'event submission rejected with_reason: Cors' });
    expect(refused.headers['access-control-allow-origin']).toBe('*'); // the browser SDK can read why
    expect((await send({ referer: 'https://evil.example/page' })).status).toBe(403); // Referer when no Origin
    expect((await send({ origin: 'https://www.shop.example' })).status).toBe(200);
    expect((await send({})).status).toBe(200); // a server SDK

    const stats = await waitFor(
      async () => {
        const r = await call(s.url, `${projectPath()}stats/`, { token: owner.token });
        const groups = r.body.groups as Array<{
          by: { outcome: string; reason: string };
          totals: Record<string, number>;
        }>;
        const cors = groups
          .filter((g) => g.by.outcome === 'invalid' && g.by.reason === 'cors')
          .reduce((n, g) => n + g.totals['sum(quantity)']!, 0);
        return cors >= 2 ? cors : null;
      },
      { message: 'the cors outcomes in the stats' },
    );
    expect(stats).toBe(2);

    expect(
      (await call(s.url, projectPath(), { method: 'PUT', token: owner.token, body: { allowedDomains: [] } })).body
        .allowedDomains,
    ).toEqual(['*']);
  });
});
