// Authorization matrix over every API route, read from the router itself so a new route is
// covered the day it is registered. An owner of organization A calls each route (every method)
// with the ids of organization B — and, where the route has more than an :org parameter, with
// A's slug and B's ids — and must get 403/404 and no B data; without credentials every
// non-public route answers 401. Afterwards B's rows are unchanged.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiRouter } from '../../server/src/api/router.js';
import { issueApiToken } from '../../server/src/users/accounts.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createEvent, createIssue, createMember, type Member } from '../helpers/api-factories.js';

/** Routes anyone may call without credentials (their answers are checked for B's data). */
const PUBLIC = new Set([
  '/api/0',
  '/api/0/auth/login/',
  '/api/0/auth/',
  '/api/0/invitations/:token/',
  '/api/0/invitations/:token/accept/',
  '/api/0/organizations/:org/flags/hooks/provider/:provider/', // authenticated by the organization's HMAC signing secret
  '/api/0/auth/config/',
  '/api/0/auth/oidc/login/',
  '/api/0/auth/oidc/callback/', // the login page and the SSO browser flow
]);
const MARKER = `victim${randomBytes(4).toString('hex')}`;

interface Route {
  method: string;
  path: string;
  params: string[];
}

describe('authorization matrix', () => {
  let s: TestServer;
  let routes: Route[];
  let attacker: Member;
  let victim: Member;
  let b: CreatedProject;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    s = await startTestServer({ ROLE: 'api' });
    const api = createApiRouter(s.deps);
    routes = api.router.stack.flatMap((layer) =>
      layer.methods
        .filter((m) => m !== 'HEAD')
        .map((method) => ({ method, path: String(layer.path), params: layer.paramNames.map((p) => String(p.name)) })),
    );
    await api.close();
    attacker = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
    b = await createProject(s.pool, { orgSlug: `${MARKER}-org`, slug: `${MARKER}-project`, baseUrl: s.url });
    victim = await createMember(s.pool, { orgId: b.orgId, role: 'owner' });
    await seedVictim();
  });
  afterAll(async () => {
    await s?.stop();
  });

  async function seedVictim(): Promise<void> {
    const q = async (sql: string, params: unknown[]) =>
      (await s.pool.query<{ id: string }>(sql, params)).rows[0]?.id ?? '';
    const issue = await createIssue(s.pool, {
      projectId: b.projectId,
      title: `Error: ${MARKER} issue`,
      tags: { browser: { [MARKER]: 1 } },
    });
    const eventId = await createEvent(s.pool, {
      projectId: b.projectId,
      issueId: issue.id,
      payload: { message: MARKER, level: 'error' },
    });
    const releaseId = await q(`INSERT INTO releases (organization_id, version) VALUES ($1, $2) RETURNING id`, [
      b.orgId,
      `${MARKER}@1.0.0`,
    ]);
    await s.pool.query(`INSERT INTO release_projects (release_id, project_id) VALUES ($1, $2)`, [
      releaseId,
      b.projectId,
    ]);
    Object.assign(ids, {
      org: b.orgSlug,
      project: b.slug,
      issueId: issue.id,
      eventId,
      version: `${MARKER}@1.0.0`,
      key: 'browser',
      keyId: b.keyId,
      userId: victim.userId,
      token: randomBytes(16).toString('hex'),
      jobId: `e-${b.projectId}-${eventId}`,
      filterId: 'browser-extensions',
      deployId: await q(
        `INSERT INTO deploys (organization_id, release_id, environment, project_ids) VALUES ($1, $2, 'production', ARRAY[$3::bigint]) RETURNING id`,
        [b.orgId, releaseId, b.projectId],
      ),
      ruleId: await q(`INSERT INTO alert_rules (project_id, name) VALUES ($1, $2) RETURNING id`, [b.projectId, MARKER]),
      overrideId: await q(
        `INSERT INTO oncall_overrides (project_id, user_id, starts_at, ends_at) VALUES ($1, $2, now(), now() + interval '1 day') RETURNING id`,
        [b.projectId, victim.userId],
      ),
      slug: (
        await s.pool.query<{ slug: string }>(
          `INSERT INTO monitors (organization_id, project_id, slug, name, schedule_type, schedule) VALUES ($1, $2, $3, $3, 'crontab', '0 3 * * *') RETURNING slug`,
          [b.orgId, b.projectId, `${MARKER}-job`],
        )
      ).rows[0]!.slug,
      id: await q(
        `INSERT INTO organization_invitations (organization_id, role, token_hash, expires_at) VALUES ($1, 'member', $2, now() + interval '1 day') RETURNING id`,
        [b.orgId, randomBytes(32).toString('hex')],
      ),
    });
  }

  /** Fills a route's path; `org` overrides the :org parameter. */
  function fill(route: Route, values: Record<string, string>): string {
    return route.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(values[name] ?? '1'));
  }

  async function call(route: Route, path: string, token: string | null): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}';
    const res = await fetch(`${s.url}${path}?id=${ids.issueId}&project=${b.projectId}`, {
      method: route.method,
      headers,
      body,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.text().catch(() => '') };
  }

  const order = (r: Route) => (r.method === 'DELETE' ? 1 : 0); // deletions last

  it('covers the routes of every concept', () => {
    expect(routes.length).toBeGreaterThan(60);
    for (const p of [
      '/api/0/issues/:issueId/',
      '/api/0/projects/:org/:project/dead-letters/',
      '/api/0/organizations/:org/releases/:version/',
    ]) {
      expect(routes.some((r) => r.path === p)).toBe(true);
    }
  });

  it("denies another organization's members on every route", async () => {
    const own = await fetch(`${s.url}/api/0/projects/${s.project.orgSlug}/${s.project.slug}/`, {
      headers: { authorization: `Bearer ${attacker.token}` },
    });
    expect(own.status).toBe(200); // the attacker's token works: the denials below are about B
    const failures: string[] = [];
    for (const route of [...routes].sort((x, y) => order(x) - order(y))) {
      const variants = [{ name: 'B ids', path: fill(route, ids) }];
      if (route.params.some((p) => p !== 'org') && route.params.includes('org'))
        variants.push({
          name: "A's org, B ids",
          path: fill(route, { ...ids, org: s.project.orgSlug, project: ids.project! }),
        });
      for (const v of variants) {
        const res = await call(route, v.path, attacker.token);
        if (process.env.AUTHZ_DEBUG) console.log(route.method, v.path, v.name, res.status);
        const leaks = res.body.includes(MARKER);
        const isPublicOrUserScoped = route.params.length === 0 || PUBLIC.has(route.path);
        const denied = res.status === 403 || res.status === 404;
        const ok =
          isPublicOrUserScoped || v.name !== 'B ids'
            ? !leaks && (denied || res.status < 300 || res.status === 400)
            : denied && !leaks;
        if (!ok) failures.push(`${route.method} ${v.path} (${v.name}) → ${res.status}${leaks ? ' with B data' : ''}`);
      }
    }
    expect(failures).toEqual([]);

    // Nothing of B's was changed.
    const one = async (sql: string, params: unknown[]) =>
      (await s.pool.query(sql, params)).rows[0] as Record<string, unknown> | undefined;
    expect(await one('SELECT status FROM issues WHERE id = $1', [ids.issueId])).toEqual({ status: 'unresolved' });
    expect(await one('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [b.projectId])).toEqual({ n: 1 });
    expect(await one('SELECT is_enabled FROM alert_rules WHERE id = $1', [ids.ruleId])).toEqual({ is_enabled: true });
    expect(await one('SELECT count(*)::int AS n FROM releases WHERE organization_id = $1', [b.orgId])).toEqual({
      n: 1,
    });
    expect(await one('SELECT count(*)::int AS n FROM memberships WHERE organization_id = $1', [b.orgId])).toEqual({
      n: 1,
    });
    expect(await one('SELECT revoked_at FROM organization_invitations WHERE id = $1', [ids.id])).toEqual({
      revoked_at: null,
    });
    expect(await one('SELECT count(*)::int AS n FROM monitors WHERE organization_id = $1', [b.orgId])).toEqual({
      n: 1,
    });
    expect(await one('SELECT is_active FROM project_keys WHERE id = $1', [ids.keyId])).toEqual({ is_active: true });
    expect(await one('SELECT count(*)::int AS n FROM oncall_overrides WHERE id = $1', [ids.overrideId])).toEqual({
      n: 1,
    });
    expect(await one(`SELECT settings FROM projects WHERE id = $1`, [b.projectId])).toEqual({ settings: {} });
  }, 120_000);

  it('answers 401 without credentials on every non-public route', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      const res = await call(route, fill(route, ids), null);
      if (PUBLIC.has(route.path) ? res.body.includes(MARKER) : res.status !== 401)
        failures.push(`${route.method} ${route.path} → ${res.status}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('stores API tokens and sessions only as hashes', async () => {
    const login = await fetch(`${s.url}/api/0/auth/login/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: attacker.email, password: attacker.password }),
    });
    expect(login.status).toBe(200);
    const session = /faultline_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    expect(session).toBeTruthy();
    const { token } = await issueApiToken(s.pool, { userId: attacker.userId, name: 'audit' });
    const dump = async (table: string) => JSON.stringify((await s.pool.query(`SELECT * FROM ${table}`)).rows);
    for (const table of ['user_sessions', 'api_tokens']) {
      const text = await dump(table);
      expect(text).not.toContain(session!);
      expect(text).not.toContain(token);
    }
    const me = await fetch(`${s.url}/api/0/users/me/`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200); // the hashed token still authenticates
  });
});
