// Unmerge through the real ingest, worker and API (ROLE all): Sentry's PUT /issues/{id}/hashes/?id=
// answers 202 and splits the hashes into a new issue; its events follow in the background; new
// events of the hash land in the new issue, and so does the user feedback about its moved events;
// a merged-away issue's redirect still leads to a live issue; bad input is a 4xx naming the field, never a 5xx.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { call } from '../../helpers/api-client.js';
import { createMember, type Member } from '../../helpers/api-factories.js';

let server: TestServer;
let owner: Member;

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'all' });
  owner = await createMember(server.pool, { orgId: server.project.orgId, role: 'owner' });
});
afterAll(async () => {
  await server?.stop();
});

const api = (path: string, opts: { method?: string; body?: unknown } = {}) =>
  call(server.url, path, { ...opts, token: owner.token });

async function send(fingerprint: string, user: string): Promise<string> {
  const eventId = randomBytes(16).toString('hex');
  const event = {
    event_id: eventId,
    platform: 'node',
    level: 'error',
    timestamp: Date.now() / 1000,
    release: 'shop@3.0.0',
    environment: 'production',
    fingerprint: [fingerprint],
    user: { id: user },
    message: `unmerge ${fingerprint}`,
  };
  const body = [JSON.stringify({ event_id: eventId }), JSON.stringify({ type: 'event' }), JSON.stringify(event)].join(
    '\n',
  );
  const p = server.project;
  const res = await request(`${server.url}/api/${p.projectId}/envelope/?sentry_key=${p.publicKey}&sentry_version=7`, {
    headers: { 'content-type': 'application/x-sentry-envelope' },
    body,
  });
  expect(res.status).toBe(200);
  const row = await waitFor(
    async () =>
      (
        await server.pool.query<{ issueId: string }>(
          'SELECT issue_id::text AS "issueId" FROM events WHERE event_id = $1',
          [eventId],
        )
      ).rows[0],
    { timeout: 20_000 },
  );
  return row.issueId;
}

const hashesOf = async (issueId: string) =>
  ((await api(`/api/0/issues/${issueId}/hashes/`)).body as Array<{ id: string }>).map((h) => h.id);

describe('unmerge (PUT /issues/{id}/hashes/?id=HASH)', () => {
  it('splits a hash into a new issue that keeps it; counts follow; the merge redirect still resolves', async () => {
    const a = await send('pay-a', 'u1');
    await send('pay-a', 'u2');
    const b = await send('pay-b', 'u3');
    await send('pay-b', 'u1');
    await send('pay-b', 'u4');
    const org = server.project.orgSlug;
    const merged = await api(`/api/0/organizations/${org}/issues/?id=${a}&id=${b}`, {
      method: 'PUT',
      body: { merge: 1 },
    });
    const parent: string = merged.body.merge.parent;
    const child: string = merged.body.merge.children[0];
    expect(parent).toBe(b);
    const bHash = (
      await server.pool.query<{ hash: string }>(
        `SELECT primary_hash AS hash FROM events WHERE title = 'unmerge pay-b' LIMIT 1`,
      )
    ).rows[0]!.hash;
    expect(await hashesOf(parent)).toHaveLength(2);
    // Feedback about one event of each hash: it stays with its event through the merge and the unmerge.
    const feedback: Record<string, string> = {};
    for (const title of ['unmerge pay-a', 'unmerge pay-b']) {
      const eventId = (
        await server.pool.query<{ id: string }>(
          `SELECT replace(event_id::text, '-', '') AS id FROM events WHERE title = $1 ORDER BY timestamp LIMIT 1`,
          [title],
        )
      ).rows[0]!.id;
      const res = await api(`/api/0/projects/${org}/${server.project.slug}/user-feedback/`, {
        method: 'POST',
        body: { event_id: eventId, name: 'Pat', email: 'pat@example.com', comments: `about ${title}` },
      });
      expect(res.status).toBe(201);
      feedback[title] = eventId;
    }
    const reportsOf = async (issueId: string) =>
      ((await api(`/api/0/issues/${issueId}/user-reports/`)).body as Array<{ eventID: string }>)
        .map((f) => f.eventID)
        .sort();
    expect(await reportsOf(parent)).toEqual(Object.values(feedback).sort());

    const res = await api(`/api/0/organizations/${org}/issues/${parent}/hashes/?id=${bHash}`, { method: 'PUT' });
    expect(res.status).toBe(202);
    const dest: string = res.body.destination;
    expect(dest).not.toBe(parent);
    expect(await hashesOf(dest)).toEqual([bHash]); // at once, before the events have moved
    const summaries = (await api(`/api/0/issues/${parent}/hashes/`)).body as Array<{
      id: string;
      title: string | null;
      recentEvents: number;
    }>;
    expect(summaries).toEqual([expect.objectContaining({ title: 'unmerge pay-a', recentEvents: 2 })]); // what an unmerge would take

    const done = await waitFor(
      async () => {
        const [u] = (await api(`/api/0/issues/${dest}/unmerges/`)).body as Array<{
          status: string;
          moved: number;
          scanned: number;
          eventTotal: number;
        }>;
        return u?.status === 'done' ? u : null;
      },
      { timeout: 30_000, message: 'unmerge done' },
    );
    expect(done).toMatchObject({ moved: 3, scanned: 5, eventTotal: 5 });

    const [p, d] = [(await api(`/api/0/issues/${parent}/`)).body, (await api(`/api/0/issues/${dest}/`)).body];
    expect([p.count, p.userCount, d.count, d.userCount]).toEqual(['2', 2, '3', 3]);
    expect(await reportsOf(parent)).toEqual([feedback['unmerge pay-a']]);
    expect(await reportsOf(dest)).toEqual([feedback['unmerge pay-b']]);
    expect(d.title).toBe('unmerge pay-b');
    expect(p.activity[0]).toMatchObject({
      type: 'unmerge_destination',
      data: { issues: [{ id: dest }], fingerprints: [bHash] },
      user: { id: owner.userId },
    });
    expect(d.activity[0]).toMatchObject({ type: 'unmerge_source', data: { issues: [{ id: parent }] } });

    // The split sticks: the next events of the hash go to the new issue, none to the old one.
    expect(await send('pay-b', 'u5')).toBe(dest);
    expect(await send('pay-a', 'u5')).toBe(parent);
    expect((await api(`/api/0/issues/${dest}/`)).body.count).toBe('4');
    // The issue merged away earlier still redirects to the issue it was merged into, which lives on.
    expect((await api(`/api/0/issues/${child}/`)).body.id).toBe(parent);
    // Merging them again is an explicit choice, and works.
    const again = await api(`/api/0/organizations/${org}/issues/?id=${parent}&id=${dest}`, {
      method: 'PUT',
      body: { merge: 1 },
    });
    expect(again.status).toBe(200);
  });

  it('refuses bad or impossible requests with a 4xx naming the problem', async () => {
    const c = await send('ship-c', 'u1');
    const d = await send('ship-d', 'u1');
    await api(`/api/0/organizations/${server.project.orgSlug}/issues/?id=${c}&id=${d}`, {
      method: 'PUT',
      body: { merge: 1 },
    });
    const parent = (await api(`/api/0/issues/${c}/`)).body.id as string;
    const [h1, h2] = await hashesOf(parent);
    const put = (query: string) => api(`/api/0/issues/${parent}/hashes/?${query}`, { method: 'PUT' });

    expect((await put('')).status).toBe(200); // Sentry: nothing asked, nothing done
    // A NUL is refused for every route's parameters before the route runs (router.ts).
    const nul = await put('id=%00bad');
    expect([nul.status, nul.body.error.code]).toEqual([400, 'invalid-parameter']);
    expect(nul.body.error.message).toMatch(/"id"/);
    for (const [query, code] of [
      [`id=${'x'.repeat(129)}`, 'invalid-hash'],
      ['id=bad%20hash%3B', 'invalid-hash'],
      [Array.from({ length: 101 }, (_, i) => `id=h${i}`).join('&'), 'too-many-hashes'],
      ['id=0123456789abcdef0123456789abcdef', 'hash-not-in-issue'],
      [`id=${h1}&id=${h2}`, 'unmerge-all-hashes'],
    ] as const) {
      const res = await put(query);
      expect([res.status, res.body.error.code]).toEqual([400, code]);
      expect(res.body.error.message).toMatch(/^id: /);
    }
    const member = await createMember(server.pool, {
      orgId: server.project.orgId,
      role: 'member',
      scopes: ['event:read'],
    });
    expect(
      (await call(server.url, `/api/0/issues/${parent}/hashes/?id=${h1}`, { method: 'PUT', token: member.token }))
        .status,
    ).toBe(403);

    // While an unmerge runs, the issue can be neither unmerged again nor merged (its events are moving).
    await server.pool.query(`UPDATE issue_unmerges SET lease_until = now() + interval '1 hour'`); // hold the runner off
    await server.pool.query(
      `INSERT INTO issue_unmerges (project_id, source_issue_id, destination_issue_id, hashes, lease_until)
       VALUES ($1, $2, $2, '{}', now() + interval '1 hour')`,
      [server.project.projectId, parent],
    );
    const busy = await put(`id=${h1}`);
    expect([busy.status, busy.body.error.code]).toEqual([409, 'unmerge-in-progress']);
    const e = await send('ship-e', 'u1');
    const merge = await api(`/api/0/organizations/${server.project.orgSlug}/issues/?id=${parent}&id=${e}`, {
      method: 'PUT',
      body: { merge: 1 },
    });
    expect([merge.status, merge.body.error?.code]).toEqual([409, 'unmerge-in-progress']);
  });
});
