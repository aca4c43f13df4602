// Issue merge through the real ingest, worker and API (ROLE all): Sentry's bulk PUT with
// {"merge": 1} folds the smaller issues into the one with the most events — hashes, events,
// counts, tag values, feature-flag results and hourly counts — and a later event with a child's
// fingerprint lands in the parent. Issue details also carry the grouping record the issue was created from.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProject } from '../../helpers/factories.js';
import { waitFor } from '../../helpers/wait.js';
import { call } from '../../helpers/api-client.js';
import { createIssue, createMember, type Member } from '../../helpers/api-factories.js';
import { countersFromEvents, storedCounters } from '../../helpers/issues-from-scratch.js';

let server: TestServer;
let owner: Member;

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'all' });
  owner = await createMember(server.pool, { orgId: server.project.orgId, role: 'owner' });
});
afterAll(async () => {
  await server?.stop();
});

/** Sends one event with an SDK fingerprint as an envelope; resolves with its issue once stored. */
async function send(
  fingerprint: string,
  opts: { user: string; environment: string; flags?: Record<string, boolean | string> },
): Promise<string> {
  const eventId = randomBytes(16).toString('hex');
  const event = {
    event_id: eventId,
    platform: 'node',
    level: 'error',
    timestamp: Date.now() / 1000,
    environment: opts.environment,
    release: 'shop@2.0.0',
    fingerprint: [fingerprint],
    user: { id: opts.user },
    message: `checkout failed (${fingerprint})`,
    contexts: opts.flags
      ? { flags: { values: Object.entries(opts.flags).map(([flag, result]) => ({ flag, result })) } }
      : undefined,
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
    {
      message: `event ${eventId} stored`,
      timeout: 20_000,
    },
  );
  return row.issueId;
}

const api = (path: string, opts: { method?: string; body?: unknown } = {}) =>
  call(server.url, path, { ...opts, token: owner.token });

async function counters(issueId: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await server.pool.query(
    `SELECT event_count::int AS events, user_count::int AS users,
       (SELECT sum(count)::int FROM issue_hourly_counts WHERE issue_id = $1) AS hourly
     FROM issues WHERE id = $1`,
    [issueId],
  );
  return rows[0];
}

describe('issue merge (bulk PUT {"merge": 1})', () => {
  it('merges into the issue with the most events; a child fingerprint then lands in the parent', async () => {
    const a = await send('checkout-a', { user: 'u1', environment: 'production' });
    expect(await send('checkout-a', { user: 'u2', environment: 'production' })).toBe(a);
    expect(await send('checkout-a', { user: 'u2', environment: 'staging' })).toBe(a);
    const b = await send('checkout-b', { user: 'u3', environment: 'production' });
    expect(await send('checkout-b', { user: 'u2', environment: 'production' })).toBe(b);
    expect(b).not.toBe(a);
    const bHashes = (
      await server.pool.query<{ hash: string }>('SELECT hash FROM issue_hashes WHERE issue_id = $1', [b])
    ).rows.map((r) => r.hash);

    const org = server.project.orgSlug;
    const res = await api(`/api/0/organizations/${org}/issues/?id=${b}&id=${a}`, { method: 'PUT', body: { merge: 1 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ merge: { parent: a, children: [b] } });

    // The merged-away issue redirects to its parent (Sentry's GroupRedirect): reads follow,
    // writes do not, and the path after the id and the query are kept.
    const moved302 = await fetch(`${server.url}/api/0/organizations/${org}/issues/${b}/events/latest/?full=true`, {
      headers: { authorization: `Bearer ${owner.token}` },
      redirect: 'manual',
    });
    expect(moved302.status).toBe(302);
    expect(moved302.headers.get('location')).toBe(`/api/0/organizations/${org}/issues/${a}/events/latest/?full=true`);
    expect(((await moved302.json()) as { error: { code: string } }).error.code).toBe('resource-moved');
    const followed = await api(`/api/0/issues/${b}/`);
    expect([followed.status, followed.body.id]).toEqual([200, a]);
    expect((await api(`/api/0/issues/${b}/`, { method: 'PUT', body: { status: 'resolved' } })).status).toBe(404);
    const outsider = await createMember(server.pool, {
      orgId: (await createProject(server.pool, { baseUrl: server.url })).orgId,
      role: 'owner',
    });
    expect((await call(server.url, `/api/0/issues/${b}/`, { token: outsider.token })).status).toBe(404); // nothing revealed
    expect(await counters(a)).toEqual({ events: 5, users: 3, hourly: 5 });
    const { rows: moved } = await server.pool.query('SELECT count(*)::int AS n FROM events WHERE issue_id = $1', [a]);
    expect(moved[0]).toEqual({ n: 5 });
    const { rows: hashes } = await server.pool.query<{ issueId: string }>(
      'SELECT issue_id::text AS "issueId" FROM issue_hashes WHERE hash = ANY($1)',
      [bHashes],
    );
    expect(hashes.map((h) => h.issueId)).toEqual(bHashes.map(() => a));
    const env = await api(`/api/0/issues/${a}/tags/environment/`);
    expect(env.body.topValues.map((v: { value: string; count: number }) => [v.value, v.count])).toEqual([
      ['production', 4],
      ['staging', 1],
    ]);
    const details = await api(`/api/0/issues/${a}/`);
    expect(details.body).toMatchObject({ count: '5', userCount: 3 });
    expect(details.body.activity[0]).toMatchObject({
      type: 'merge',
      data: { issues: [{ id: b }] },
      user: { id: owner.userId },
    });

    // Sentry's client sends the child's fingerprint again: the event joins the parent.
    expect(await send('checkout-b', { user: 'u4', environment: 'production' })).toBe(a);
    expect(await counters(a)).toEqual({ events: 6, users: 4, hourly: 6 });
  });

  it("the parent takes the children's feature-flag counts, as a count of its events from scratch gives", async () => {
    const a = await send('flags-a', {
      user: 'u1',
      environment: 'production',
      flags: { 'new-checkout': true, tier: 'gold' },
    });
    expect(await send('flags-a', { user: 'u1', environment: 'production', flags: { 'new-checkout': false } })).toBe(a);
    expect(await send('flags-a', { user: 'u2', environment: 'production', flags: { 'new-checkout': true } })).toBe(a);
    const b = await send('flags-b', {
      user: 'u3',
      environment: 'production',
      flags: { 'new-checkout': true, beta: true },
    });
    expect(await send('flags-b', { user: 'u3', environment: 'production', flags: { tier: 'free' } })).toBe(b);

    const org = server.project.orgSlug;
    const res = await api(`/api/0/organizations/${org}/issues/?id=${a}&id=${b}`, { method: 'PUT', body: { merge: 1 } });
    expect(res.body).toEqual({ merge: { parent: a, children: [b] } });

    const flags = await api(`/api/0/issues/${a}/flags/`);
    expect(flags.status).toBe(200);
    expect(Object.fromEntries(flags.body.data.map((r: { flag: string; issue: unknown }) => [r.flag, r.issue]))).toEqual(
      {
        'new-checkout': { true: 3, false: 1 },
        tier: { gold: 1, free: 1 },
        beta: { true: 1 },
      },
    );
    const projectId = server.project.projectId;
    const [stored, scratch] = [
      await storedCounters(server.pool, projectId),
      await countersFromEvents(server.pool, projectId),
    ];
    expect(stored[a]!.flags).toEqual(scratch[a]!.flags); // counts and first/last sightings
    const { rows: left } = await server.pool.query('SELECT 1 FROM issue_flag_values WHERE issue_id = $1', [b]);
    expect(left).toEqual([]);
  });

  it('merges through the project endpoint too, and refuses issues of two projects or a single issue', async () => {
    const c = await send('checkout-c', { user: 'u1', environment: 'production' });
    const d = await send('checkout-d', { user: 'u1', environment: 'production' });
    const p = server.project;
    const res = await api(`/api/0/projects/${p.orgSlug}/${p.slug}/issues/?id=${c}&id=${d}`, {
      method: 'PUT',
      body: { merge: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.merge).toEqual({ parent: d, children: [c] }); // one event each: the higher id wins, as in Sentry

    const other = await createProject(server.pool, { orgSlug: p.orgSlug, baseUrl: server.url });
    const foreign = (await createIssue(server.pool, { projectId: other.projectId, eventCount: 9 })).id;
    const across = await api(`/api/0/organizations/${p.orgSlug}/issues/?id=${d}&id=${foreign}`, {
      method: 'PUT',
      body: { merge: 1, status: 'resolved' },
    });
    expect(across.status).toBe(400);
    expect(across.body.error.code).toBe('merge-across-projects');
    expect(
      (
        await server.pool.query('SELECT count(*)::int AS n FROM issues WHERE id = ANY($1) AND status = $2', [
          [d, foreign],
          'unresolved',
        ])
      ).rows[0],
    ).toEqual({ n: 2 });

    const single = await api(`/api/0/projects/${p.orgSlug}/${p.slug}/issues/?id=${d}`, {
      method: 'PUT',
      body: { merge: 1 },
    });
    expect(single.status).toBe(400);
    expect(single.body.error.code).toBe('merge-needs-two-issues');

    // Merged again: the older redirect follows to the newest parent.
    const e = await send('checkout-e2', { user: 'u1', environment: 'production' });
    await send('checkout-e2', { user: 'u2', environment: 'production' });
    expect(
      (
        await api(`/api/0/projects/${p.orgSlug}/${p.slug}/issues/?id=${d}&id=${e}`, {
          method: 'PUT',
          body: { merge: 1 },
        })
      ).body.merge,
    ).toEqual({ parent: e, children: [d] });
    expect((await api(`/api/0/issues/${c}/`)).body.id).toBe(e);
    expect((await api(`/api/0/issues/${d}/`)).body.id).toBe(e);
  });

  it('issue details carry the grouping record ("why grouped")', async () => {
    const e = await send('checkout-e', { user: 'u1', environment: 'production' });
    const res = await api(`/api/0/organizations/${server.project.orgSlug}/issues/${e}/`);
    expect(res.status).toBe(200);
    const { rows } = await server.pool.query<{ hash: string }>('SELECT hash FROM issue_hashes WHERE issue_id = $1', [
      e,
    ]);
    expect(res.body.grouping).toEqual({
      basis: 'fingerprint',
      hashes: rows.map((r) => r.hash),
      variants: [
        expect.objectContaining({
          name: expect.any(String),
          hash: rows[0]!.hash,
          values: ['checkout-e'],
          description: expect.any(String),
        }),
      ],
    });
  });
});
