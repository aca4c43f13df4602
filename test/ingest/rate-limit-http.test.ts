// Rate limits end to end over HTTP: keys created and changed through Sentry's key API, quotas
// through the quota API; two ingest processes share one Redis; 429s carry the headers SDKs
// read; the window resets; disabling a key reaches ingest without waiting for the cache TTL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { start, type Running } from '../../server/src/main.js';
import { secondsLeftInWindow } from '../../ingest/src/rate-limit.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createProject } from '../helpers/factories.js';
import { request, type RawResponse } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { call } from '../helpers/api-client.js';
import { createMember, type Member } from '../helpers/api-factories.js';

let s: TestServer;
let second: Running;
let secondUrl: string;
let owner: Member;
let seq = 0;
const RATE_LIMITS = /^(\d+):default;error;security:(key|project|organization):(key_quota|project_quota|org_quota)$/;

beforeAll(async () => {
  s = await startTestServer({ ROLE: 'all' });
  // A second ingest process: same database, same Redis prefix, its own key cache and limiter.
  second = await start(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: s.dbUrl,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: s.redisPrefix,
      ROLE: 'ingest',
      LOG_LEVEL: 'silent',
      UDP_ENABLED: 'false',
    }),
  );
  secondUrl = `http://127.0.0.1:${second.port}`;
  owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
});
afterAll(async () => {
  await second?.stop();
  await s?.stop();
});

function send(base: string, projectId: string, publicKey: string): Promise<RawResponse> {
  const id = (0xfeed0000 + ++seq).toString(16).padStart(32, '0');
  return request(`${base}/api/${projectId}/envelope/?sentry_key=${publicKey}&sentry_version=7`, {
    headers: { 'content-type': 'application/x-sentry-envelope', origin: 'http://app.example' },
    body: `{"event_id":"${id}"}\n{"type":"event"}\n{"message":"rate limit ${seq}"}`,
  });
}

/** Fixed windows: start a test well inside one, so the counts are not reset halfway through. */
async function awayFromWindowEnd(windowSeconds: number): Promise<void> {
  await waitFor(() => secondsLeftInWindow(Date.now(), windowSeconds) > Math.min(20, windowSeconds - 1), {
    timeout: 25_000,
    interval: 200,
  });
}

function expect429(r: RawResponse, scope: string, reason: string, maxRetry: number): void {
  expect(r.status).toBe(429);
  const retryAfter = Number(r.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= maxRetry).toBe(true);
  const m = RATE_LIMITS.exec(String(r.headers['x-sentry-rate-limits']));
  expect(m?.slice(2)).toEqual([scope, reason]);
  expect(Number(m?.[1])).toBe(retryAfter);
  expect(r.json).toEqual({
    detail: expect.stringContaining('Sentry dropped data due to a quota or internal rate limit being reached'),
  });
  expect(String(r.headers['access-control-expose-headers'])).toMatch(/x-sentry-rate-limits.*retry-after/);
  expect(r.headers['access-control-allow-origin']).toBe('*');
}

describe('per-key rate limits', () => {
  it('accepts N events per window across two ingest processes, then answers 429 with the headers', async () => {
    await awayFromWindowEnd(3600);
    const created = await call(s.url, `/api/0/projects/${s.project.orgSlug}/${s.project.slug}/keys/`, {
      method: 'POST',
      token: owner.token,
      body: { name: 'limited', rateLimit: { window: 3600, count: 5 } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'limited',
      isActive: true,
      rateLimit: { window: 3600, count: 5 },
      dsn: { public: expect.stringContaining(created.body.public) },
    });
    const key: string = created.body.public;

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await send(i % 2 ? secondUrl : s.url, s.project.projectId, key)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect429(await send(s.url, s.project.projectId, key), 'key', 'key_quota', 3600);
    expect429(await send(secondUrl, s.project.projectId, key), 'key', 'key_quota', 3600);
    // Another key of the same project is not affected.
    expect((await send(s.url, s.project.projectId, s.project.publicKey)).status).toBe(200);
  });

  it('resets when the window ends', async () => {
    const created = await call(s.url, `/api/0/projects/${s.project.orgSlug}/${s.project.slug}/keys/`, {
      method: 'POST',
      token: owner.token,
      body: { rateLimit: { window: 2, count: 1 } },
    });
    const key: string = created.body.public;
    await awayFromWindowEnd(2); // more than a second left in the current 2 s window
    expect((await send(s.url, s.project.projectId, key)).status).toBe(200);
    expect429(await send(secondUrl, s.project.projectId, key), 'key', 'key_quota', 2);
    // Refused requests do not consume; the next window accepts again.
    await waitFor(async () => (await send(secondUrl, s.project.projectId, key)).status === 200, {
      timeout: 5_000,
      interval: 100,
    });
  });

  it('applies PUT rateLimit / isActive and DELETE to both processes at once (pub/sub invalidation)', async () => {
    await awayFromWindowEnd(60);
    const base = `/api/0/projects/${s.project.orgSlug}/${s.project.slug}/keys/`;
    const key: string = (await call(s.url, base, { method: 'POST', token: owner.token, body: {} })).body.public;
    // Both processes have the unlimited key cached now.
    expect((await send(s.url, s.project.projectId, key)).status).toBe(200);
    expect((await send(secondUrl, s.project.projectId, key)).status).toBe(200);

    const put = await call(s.url, `${base}${key}/`, {
      method: 'PUT',
      token: owner.token,
      body: { rateLimit: { window: 60, count: 0 }, name: 'renamed' },
    });
    expect(put.body).toMatchObject({ name: 'renamed', rateLimit: { window: 60, count: 0 } });
    await waitFor(async () => (await send(secondUrl, s.project.projectId, key)).status === 429, { timeout: 2_000 });

    await call(s.url, `${base}${key}/`, {
      method: 'PUT',
      token: owner.token,
      body: { rateLimit: null, isActive: false },
    });
    await waitFor(async () => (await send(secondUrl, s.project.projectId, key)).status === 403, { timeout: 2_000 });
    await call(s.url, `${base}${key}/`, { method: 'PUT', token: owner.token, body: { isActive: true } });
    await waitFor(async () => (await send(secondUrl, s.project.projectId, key)).status === 200, { timeout: 2_000 });

    expect((await call(s.url, `${base}${key}/`, { method: 'DELETE', token: owner.token })).status).toBe(204);
    await waitFor(async () => (await send(secondUrl, s.project.projectId, key)).status === 403, { timeout: 2_000 });
    expect((await call(s.url, `${base}${key}/`, { token: owner.token })).status).toBe(404);
  });

  it('refuses key changes from members without the admin role', async () => {
    const member = await createMember(s.pool, { orgId: s.project.orgId, role: 'member' });
    const r = await call(s.url, `/api/0/projects/${s.project.orgSlug}/${s.project.slug}/keys/`, {
      method: 'POST',
      token: member.token,
      body: {},
    });
    expect(r.status).toBe(403);
  });
});

describe('project and organization quotas', () => {
  it('limits a project per minute once configured through the API (none by default)', async () => {
    await awayFromWindowEnd(60);
    const p = await createProject(s.pool, { orgSlug: s.project.orgSlug, baseUrl: s.url });
    const path = `/api/0/projects/${p.orgSlug}/${p.slug}/quotas/`;
    expect((await call(s.url, path, { token: owner.token })).body).toEqual({
      eventsPerMinute: null,
      eventsPerHour: null,
      effective: { eventsPerMinute: null, eventsPerHour: null },
      organization: {
        eventsPerMinute: null,
        eventsPerHour: null,
        effective: { eventsPerMinute: null, eventsPerHour: null },
      },
    });
    const put = await call(s.url, path, { method: 'PUT', token: owner.token, body: { eventsPerMinute: 3 } });
    expect(put.body).toMatchObject({ eventsPerMinute: 3, effective: { eventsPerMinute: 3, eventsPerHour: null } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(i % 2 ? secondUrl : s.url, p.projectId, p.publicKey)).status);
    expect(statuses).toEqual([200, 200, 200]);
    expect429(await send(secondUrl, p.projectId, p.publicKey), 'project', 'project_quota', 60);
  });

  it('limits all projects of an organization together', async () => {
    await awayFromWindowEnd(3600);
    const a = await createProject(s.pool, { orgSlug: `quota-org-${process.pid}`, baseUrl: s.url });
    const b = await createProject(s.pool, { orgSlug: a.orgSlug, baseUrl: s.url });
    const orgOwner = await createMember(s.pool, { orgId: a.orgId, role: 'owner' });
    const put = await call(s.url, `/api/0/organizations/${a.orgSlug}/quotas/`, {
      method: 'PUT',
      token: orgOwner.token,
      body: { eventsPerHour: 4 },
    });
    expect(put.body).toEqual({
      eventsPerMinute: null,
      eventsPerHour: 4,
      effective: { eventsPerMinute: null, eventsPerHour: 4 },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await send(s.url, i % 2 ? a.projectId : b.projectId, i % 2 ? a.publicKey : b.publicKey)).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect429(await send(secondUrl, b.projectId, b.publicKey), 'organization', 'org_quota', 3600);
    expect429(await send(s.url, a.projectId, a.publicKey), 'organization', 'org_quota', 3600);
  });
});
