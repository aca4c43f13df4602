// The alert-rule and on-call API: validation, partial updates, access (non-members get 404).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../../helpers/factories.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { call } from '../../helpers/api-client.js';
import { createMember } from '../../helpers/alert-fixtures.js';

describe('alert rule and on-call routes', () => {
  let server: TestServer;
  let token: string;
  let outsiderToken: string;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'api' });
    token = (await createMember(server.pool, server.project.orgId, 'owner@example.com', 'owner')).token;
    outsiderToken = (
      await createMember(server.pool, (await createProject(server.pool)).orgId, 'other@example.com', 'owner')
    ).token;
    base = `/api/0/projects/${server.project.orgSlug}/${server.project.slug}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const api = (path: string, opts: { method?: string; body?: unknown; as?: string } = {}) =>
    call(server.url, `${base}${path}`, { method: opts.method, body: opts.body, token: opts.as ?? token });
  const valid = {
    name: 'Regressions',
    conditions: [{ type: 'regression' }],
    actions: [
      { type: 'webhook', url: 'https://hooks.example.com/faultline' },
      { type: 'slack', url: 'https://hooks.slack.com/services/T/B/X' },
    ],
  };

  it('creates a rule with defaults and a generated webhook secret, lists, reads, updates and deletes it', async () => {
    const created = await api('/alert-rules/', { method: 'POST', body: valid });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Regressions',
      environment: null,
      conditionMatch: 'any',
      filters: [],
      frequencyMinutes: 30,
      isEnabled: true,
    });
    const secret: string = created.body.actions[0].secret;
    expect(secret).toMatch(/^[0-9a-f]{48}$/);
    expect((await api('/alert-rules/')).body.map((r: { id: string }) => r.id)).toEqual([created.body.id]);

    const put = await api(`/alert-rules/${created.body.id}/`, {
      method: 'PUT',
      body: {
        isEnabled: false,
        actions: [{ type: 'webhook', url: 'https://hooks.example.com/faultline' }],
      },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'Regressions', isEnabled: false, actions: [{ type: 'webhook', secret }] });
    expect((await api(`/alert-rules/${created.body.id}/`)).body.isEnabled).toBe(false);
    expect((await api(`/alert-rules/${created.body.id}/history/`)).body).toEqual([]);

    expect((await api(`/alert-rules/${created.body.id}/`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/alert-rules/${created.body.id}/`)).body.error.code).toBe('alert-rule-not-found');
  });

  it.each([
    ['no conditions', { ...valid, conditions: [] }],
    ['an unknown condition', { ...valid, conditions: [{ type: 'sunspots' }] }],
    ['a frequency without minutes', { ...valid, conditions: [{ type: 'event_frequency', count: 10 }] }],
    [
      'deploy_failing mixed with event conditions',
      { ...valid, conditions: [{ type: 'deploy_failing' }, { type: 'first_seen' }] },
    ],
    ['a bad email address', { ...valid, actions: [{ type: 'email', to: ['not-an-address'] }] }],
    ['a non-http webhook', { ...valid, actions: [{ type: 'webhook', url: 'ftp://example.com/x' }] }],
    ['an unknown level', { ...valid, filters: [{ type: 'level', value: 'catastrophic' }] }],
  ])('rejects %s with 400', async (_name, body) => {
    const res = await api('/alert-rules/', { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid-request');
  });

  it('hides the rules and the schedule of other organizations (404)', async () => {
    expect((await api('/alert-rules/', { as: outsiderToken })).status).toBe(404);
    expect((await api('/oncall/', { as: outsiderToken })).status).toBe(404);
    expect((await api('/alert-history/', { as: outsiderToken })).status).toBe(404);
  });

  it('validates on-call schedules: members of the organization, a real time zone', async () => {
    const body = {
      members: ['owner@example.com'],
      rotation: { length: 1, unit: 'days' },
      handoffTime: '09:00',
      timeZone: 'Europe/Berlin',
      startDate: '2024-01-01',
    };
    expect(
      (await api('/oncall/', { method: 'PUT', body: { ...body, members: ['other@example.com'] } })).body.error.code,
    ).toBe('unknown-member');
    expect((await api('/oncall/', { method: 'PUT', body: { ...body, timeZone: 'Mars/Olympus' } })).status).toBe(400);
    expect((await api('/oncall/', { method: 'PUT', body: { ...body, handoffTime: '25:00' } })).status).toBe(400);
    const ok = await api('/oncall/', { method: 'PUT', body });
    expect(ok.status).toBe(200);
    expect(ok.body.schedule).toMatchObject({
      members: [{ email: 'owner@example.com' }],
      rotation: { length: 1, unit: 'days' },
    });
    expect(ok.body.now.user.email).toBe('owner@example.com');
    expect(
      (
        await api('/oncall/overrides/', {
          method: 'POST',
          body: { user: 'owner@example.com', start: '2024-01-02T00:00:00Z', end: '2024-01-01T00:00:00Z' },
        })
      ).status,
    ).toBe(400);
    expect((await api('/oncall/', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/oncall/')).body).toMatchObject({ schedule: null, now: null, next: null });
  });
});
