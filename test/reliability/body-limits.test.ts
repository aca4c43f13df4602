// Request body limits on every API route that takes a body (read from the router, so new
// routes are covered): a JSON body over MAX_API_BODY_BYTES is refused with 413 before any
// handler runs, whether or not the caller is authenticated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiRouter } from '../../server/src/api/router.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createMember, type Member } from '../helpers/api-factories.js';

const LIMIT = 2048;

describe('API body limits', () => {
  let s: TestServer;
  let owner: Member;
  let routes: Array<{ method: string; path: string }>;
  beforeAll(async () => {
    s = await startTestServer({ ROLE: 'api', MAX_API_BODY_BYTES: String(LIMIT) });
    owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
    const api = createApiRouter(s.deps);
    routes = api.router.stack.flatMap((l) =>
      l.methods
        .filter((m) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(m))
        .map((method) => ({ method, path: String(l.path) })),
    );
    await api.close();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('answers 413 to an oversized JSON body on every route that accepts one', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(LIMIT * 2) });
    const failures: string[] = [];
    for (const r of routes) {
      const path = r.path.replace(':org', s.project.orgSlug).replace(':project', s.project.slug).replace(/:\w+/g, '1');
      for (const token of [owner.token, null]) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (token) headers.authorization = `Bearer ${token}`;
        const res = await fetch(`${s.url}${path}`, { method: r.method, headers, body });
        if (res.status !== 413) failures.push(`${r.method} ${path} ${token ? 'owner' : 'anonymous'} → ${res.status}`);
      }
    }
    expect(routes.length).toBeGreaterThan(20);
    expect(failures).toEqual([]);
  });
});
