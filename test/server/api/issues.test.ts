import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { call } from '../../helpers/api-client.js';
import { createEvent, createIssue, createMember, hoursAgo, type Member } from '../../helpers/api-factories.js';

/** The cursors of a Link header, by rel. */
function links(header: string | null): Record<string, { results: boolean; cursor: string; url: string }> {
  const out: Record<string, { results: boolean; cursor: string; url: string }> = {};
  for (const part of (header ?? '').split(/,\s*(?=<)/)) {
    const m = /^<([^>]+)>; rel="(\w+)"; results="(true|false)"; cursor="([^"]+)"$/.exec(part.trim());
    if (m) out[m[2]!] = { url: m[1]!, results: m[3] === 'true', cursor: m[4]! };
  }
  return out;
}

describe('issue API', () => {
  let server: TestServer;
  let p: CreatedProject;
  let owner: Member;
  let base: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'api' });
    p = await createProject(server.pool, { orgSlug: 'acme', slug: 'web', baseUrl: server.url });
    await server.pool.query(`UPDATE projects SET short_id_prefix = 'WEB' WHERE id = $1`, [p.projectId]);
    owner = await createMember(server.pool, { orgId: p.orgId, role: 'owner', email: 'owner@example.com' });
    base = `/api/0/projects/acme/web/issues/`;
    const t = (h: number) => new Date(Date.now() - h * 3600_000);
    const hour = (h: number) => hoursAgo(h);
    ids.db = (
      await createIssue(server.pool, {
        projectId: p.projectId,
        title: 'DbError: relation "orders_1999" does not exist',
        culprit: 'chargeCard(lib/checkout)',
        lastSeen: t(1),
        firstSeen: t(40),
        eventCount: 50,
        userCount: 3,
        lastRelease: 'shop@1.4.2',
        firstRelease: 'shop@1.4.0',
        tags: {
          environment: { production: 40, staging: 10 },
          release: { 'shop@1.4.2': 50 },
          browser: { 'Chrome 120': 30, 'Firefox 121': 20 },
          handled: { no: 2 },
        },
        hourly: [
          [hour(1), 7],
          [hour(2), 3],
          [hour(30), 40],
        ],
        hashes: ['aaa', 'bbb'],
      })
    ).id;
    ids.syntax = (
      await createIssue(server.pool, {
        projectId: p.projectId,
        title: 'SyntaxError: Unexpected end of JSON input',
        culprit: 'parseCart(lib/cart)',
        level: 'error',
        lastSeen: t(2),
        firstSeen: t(2),
        eventCount: 5,
        userCount: 9,
        tags: { environment: { staging: 5 } },
      })
    ).id;
    ids.warn = (
      await createIssue(server.pool, {
        projectId: p.projectId,
        title: 'Payment 1999 declined: 100% of retries_used',
        culprit: '',
        level: 'warning',
        lastSeen: t(3),
        firstSeen: t(5),
        eventCount: 80,
        userCount: 1,
        tags: { environment: { production: 80 } },
      })
    ).id;
    ids.resolved = (
      await createIssue(server.pool, {
        projectId: p.projectId,
        title: 'Old resolved bug',
        status: 'resolved',
        lastSeen: t(4),
        firstSeen: t(100),
      })
    ).id;
    ids.ignored = (
      await createIssue(server.pool, {
        projectId: p.projectId,
        title: 'Noisy ignored thing',
        status: 'ignored',
        lastSeen: t(5),
        firstSeen: t(6),
      })
    ).id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const get = (path: string) => call(server.url, path, { token: owner.token });

  it("lists unresolved issues by last seen in Sentry's shape", async () => {
    const res = await get(base);
    expect(res.status).toBe(200);
    expect(res.body.map((i: { id: string }) => i.id)).toEqual([ids.db, ids.syntax, ids.warn]);
    const issue = res.body[0];
    expect(issue).toMatchObject({
      id: ids.db,
      shortId: 'WEB-1',
      status: 'unresolved',
      level: 'error',
      count: '50',
      userCount: 3,
      isUnhandled: true,
      culprit: 'chargeCard(lib/checkout)',
      project: { id: p.projectId, slug: 'web', name: 'web' },
      permalink: `${server.deps.config.http.baseUrl}/organizations/acme/issues/${ids.db}/`,
      firstRelease: { version: 'shop@1.4.0' },
      lastRelease: { version: 'shop@1.4.2' },
      statusDetails: {},
    });
    expect(typeof issue.count).toBe('string');
    expect(issue.stats['24h']).toHaveLength(24);
    const series = issue.stats['24h'] as Array<[number, number]>;
    expect(series.at(-2)![1]).toBe(7); // the hour before the current one
    expect(series.reduce((n, [, c]) => n + c, 0)).toBe(10); // 30 hours ago is outside the window
    expect(res.body[1].isUnhandled).toBe(false);
  });

  it.each<[string, string[]]>([
    ['', ['db', 'syntax', 'warn', 'resolved', 'ignored']],
    ['is:resolved', ['resolved']],
    ['is:ignored', ['ignored']],
    ['is:muted', ['ignored']],
    ['!is:unresolved', ['resolved', 'ignored']],
    ['level:warning', ['warn']],
    ['is:unresolved !level:warning', ['db', 'syntax']],
    ['environment:production', ['db', 'warn']],
    ['environment:staging', ['db', 'syntax']],
    ['!environment:staging', ['warn', 'resolved', 'ignored']],
    ['release:shop@1.4.2', ['db']],
    ['browser:"Firefox 121"', ['db']],
    ['browser:Chrome*', ['db']],
    ['has:browser', ['db']],
    ['orders_1999', ['db']],
    ['"unexpected end"', ['syntax']],
    ['100%', ['warn']],
    ['1999', ['db', 'warn']],
    ['lib/cart', ['syntax']],
    ['web-2', ['syntax']],
    ['_', ['db', 'warn']],
  ])('query %j', async (query, expected) => {
    const res = await get(`${base}?query=${encodeURIComponent(query)}`);
    expect(res.status).toBe(200);
    expect(res.body.map((i: { id: string }) => i.id)).toEqual(expected.map((k) => ids[k]));
  });

  it('rejects invalid searches and sorts with 400', async () => {
    expect((await get(`${base}?query=is:bogus`)).body.error.code).toBe('invalid-search');
    expect((await get(`${base}?sort=random`)).status).toBe(400);
    expect((await get(`${base}?cursor=garbage`)).status).toBe(400);
  });

  it.each([
    ['new', ['syntax', 'warn', 'db']],
    ['freq', ['warn', 'db', 'syntax']],
    ['user', ['syntax', 'db', 'warn']],
    ['date', ['db', 'syntax', 'warn']],
  ])('sorts by %s', async (sort, expected) => {
    const res = await get(`${base}?sort=${sort}`);
    expect(res.body.map((i: { id: string }) => i.id)).toEqual(expected.map((k) => ids[k]));
  });

  it('pages with keyset cursors and Sentry Link headers, forwards and back, with ties', async () => {
    const q = await createProject(server.pool, { orgSlug: 'acme', slug: 'paged', baseUrl: server.url });
    const same = hoursAgo(1);
    const made: string[] = [];
    for (let i = 0; i < 7; i++)
      made.push(
        (
          await createIssue(server.pool, {
            projectId: q.projectId,
            title: `p${i}`,
            lastSeen: i < 4 ? same : hoursAgo(2 + i),
          })
        ).id,
      );
    const path = '/api/0/projects/acme/paged/issues/?limit=3';
    const seen: string[][] = [];
    let res = await get(path);
    const first = links(res.headers.get('link'));
    expect(first.previous).toMatchObject({ results: false });
    expect(first.next).toMatchObject({ results: true });
    expect(first.next!.url).toContain('/api/0/projects/acme/paged/issues/?limit=3&cursor=');
    seen.push(res.body.map((i: { id: string }) => i.id));
    let next = first.next!;
    while (next.results) {
      res = await get(`${path}&cursor=${encodeURIComponent(next.cursor)}`);
      seen.push(res.body.map((i: { id: string }) => i.id));
      next = links(res.headers.get('link')).next!;
    }
    expect(seen.map((s) => s.length)).toEqual([3, 3, 1]);
    const flat = seen.flat();
    expect(new Set(flat).size).toBe(7);
    // ties on lastSeen are broken by id, descending
    expect(flat.slice(0, 4)).toEqual([...made.slice(0, 4)].sort((a, b) => Number(b) - Number(a)));

    const prev = links(res.headers.get('link')).previous!;
    expect(prev.results).toBe(true);
    const back = await get(`${path}&cursor=${encodeURIComponent(prev.cursor)}`);
    expect(back.body.map((i: { id: string }) => i.id)).toEqual(seen[1]);
  });

  it('answers the organization issue search across projects and filters by project id', async () => {
    const other = await createProject(server.pool, { orgSlug: 'acme', slug: 'api', baseUrl: server.url });
    const otherIssue = (
      await createIssue(server.pool, { projectId: other.projectId, title: 'api only problem', lastSeen: hoursAgo(0) })
    ).id;
    const all = await get('/api/0/organizations/acme/issues/?query=problem');
    expect(all.body.map((i: { id: string }) => i.id)).toEqual([otherIssue]);
    const scoped = await get(`/api/0/organizations/acme/issues/?project=${p.projectId}&query=problem`);
    expect(scoped.body).toEqual([]);
    const recent = await get(`/api/0/organizations/acme/issues/?project=${p.projectId}&statsPeriod=90m&query=`);
    expect(recent.body.map((i: { id: string }) => i.id)).toEqual([ids.db]);
    expect(Object.keys(recent.body[0].stats)).toEqual(['24h']);
    const daily = await get(`${base}?statsPeriod=14d`);
    expect(daily.body[0].stats['14d']).toHaveLength(14);
    expect((await get(`${base}?statsPeriod=`)).body[0].stats).toBeUndefined();
  });

  it('shows one issue by id or short id, with activity and tag keys', async () => {
    const byId = await get(`/api/0/issues/${ids.db}/`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({
      id: ids.db,
      shortId: 'WEB-1',
      activity: [],
      tags: expect.arrayContaining([{ key: 'environment', name: 'environment', totalValues: 50 }]),
    });
    expect(byId.body.stats['30d']).toHaveLength(30);
    expect((await get('/api/0/issues/web-1/')).body.id).toBe(ids.db);
    expect((await get('/api/0/organizations/acme/issues/WEB-1/')).body.id).toBe(ids.db);
    expect((await get('/api/0/organizations/nope/issues/WEB-1/')).status).toBe(404);
    expect((await get('/api/0/issues/WEB-999/')).status).toBe(404);
    expect((await get('/api/0/issues/not-an-id/')).status).toBe(404);
  });

  it('answers tag distributions, tag values and hashes', async () => {
    const tags = await get(`/api/0/issues/${ids.db}/tags/`);
    const browser = tags.body.find((t: { key: string }) => t.key === 'browser');
    expect(browser).toMatchObject({ key: 'browser', totalValues: 50, uniqueValues: 2 });
    expect(browser.topValues.map((v: { value: string; count: number }) => [v.value, v.count])).toEqual([
      ['Chrome 120', 30],
      ['Firefox 121', 20],
    ]);
    expect((await get(`/api/0/issues/${ids.db}/tags/environment/`)).body).toMatchObject({
      key: 'environment',
      uniqueValues: 2,
    });
    expect((await get(`/api/0/issues/${ids.db}/tags/nope/`)).status).toBe(404);
    const values = await get(`/api/0/issues/${ids.db}/tags/environment/values/`);
    expect(values.body.map((v: { value: string }) => v.value)).toEqual(['production', 'staging']);
    const hashes = await get(`/api/0/issues/${ids.db}/hashes/`);
    expect(hashes.body.map((h: { id: string }) => h.id).sort()).toEqual(['aaa', 'bbb']);
  });

  describe('status changes', () => {
    const status = async (id: string) =>
      (
        await server.pool.query(
          `SELECT status, substatus, resolved_at, resolved_in_release, resolved_in_next_release, resolved_after_release,
         ignore_until, ignore_count, status_details, assignee_user_id FROM issues WHERE id = $1`,
          [id],
        )
      ).rows[0];
    const put = (path: string, body: unknown) => call(server.url, path, { method: 'PUT', token: owner.token, body });

    it('resolves, ignores and unresolves one issue, recording activity', async () => {
      const id = (await createIssue(server.pool, { projectId: p.projectId, title: 'single', eventCount: 10 })).id;
      const resolved = await put(`/api/0/issues/${id}/`, { status: 'resolved' });
      expect(resolved.status).toBe(200);
      expect(resolved.body).toMatchObject({ id, status: 'resolved', substatus: null, statusDetails: {} });
      expect((await status(id)).resolved_at).not.toBeNull();

      const ignored = await put(`/api/0/issues/${id}/`, {
        status: 'ignored',
        statusDetails: { ignoreDuration: 60, ignoreCount: 5 },
      });
      expect(ignored.body).toMatchObject({
        status: 'ignored',
        substatus: 'archived_until_condition_met',
        statusDetails: { ignoreDuration: 60, ignoreCount: 5 },
      });
      const row = await status(id);
      expect(row.resolved_at).toBeNull();
      expect(row.ignore_count).toBe('15');
      expect(new Date(row.ignore_until).getTime() - Date.now()).toBeGreaterThan(55 * 60_000);

      const unresolved = await put(`/api/0/issues/${id}/`, { status: 'unresolved' });
      expect(unresolved.body).toMatchObject({ status: 'unresolved', substatus: 'ongoing', statusDetails: {} });
      expect((await status(id)).ignore_until).toBeNull();
      expect(unresolved.body.activity.map((a: { type: string }) => a.type)).toEqual([
        'set_unresolved',
        'set_ignored',
        'set_resolved',
      ]);
      expect(unresolved.body.activity[0].user.id).toBe(owner.userId);
    });

    it('resolves in the next release and in a given release', async () => {
      const { rows } = await server.pool.query<{ id: string }>(
        `INSERT INTO releases (organization_id, version) VALUES ($1, 'shop@2.0.0') RETURNING id`,
        [p.orgId],
      );
      await server.pool.query(`INSERT INTO release_projects (release_id, project_id) VALUES ($1, $2)`, [
        rows[0]!.id,
        p.projectId,
      ]);
      const id = (await createIssue(server.pool, { projectId: p.projectId, title: 'release bound' })).id;
      const next = await put(`/api/0/issues/${id}/`, { status: 'resolvedInNextRelease' });
      expect(next.body.statusDetails).toEqual({ inNextRelease: true });
      expect(await status(id)).toMatchObject({
        status: 'resolved',
        resolved_in_next_release: true,
        resolved_after_release: 'shop@2.0.0',
      });
      const latest = await put(`/api/0/issues/${id}/`, { status: 'resolved', statusDetails: { inRelease: 'latest' } });
      expect(latest.body.statusDetails).toEqual({ inRelease: 'shop@2.0.0' });
      expect(await status(id)).toMatchObject({ resolved_in_release: 'shop@2.0.0', resolved_in_next_release: false });
    });

    it('updates in bulk by ids and by query, within the project only', async () => {
      const a = (await createIssue(server.pool, { projectId: p.projectId, title: 'bulk a', level: 'fatal' })).id;
      const b = (await createIssue(server.pool, { projectId: p.projectId, title: 'bulk b', level: 'fatal' })).id;
      const elsewhere = await createProject(server.pool, { orgSlug: 'acme', slug: 'elsewhere', baseUrl: server.url });
      const c = (await createIssue(server.pool, { projectId: elsewhere.projectId, title: 'bulk c', level: 'fatal' }))
        .id;

      const byIds = await put(`${base}?id=${a}&id=${c}`, { status: 'resolved' });
      expect(byIds.status).toBe(200);
      expect(byIds.body).toMatchObject({ status: 'resolved', statusDetails: {} });
      expect((await status(a)).status).toBe('resolved');
      expect((await status(c)).status).toBe('unresolved');

      const byQuery = await put(`${base}?query=${encodeURIComponent('is:unresolved level:fatal')}`, {
        status: 'ignored',
      });
      expect(byQuery.body).toMatchObject({ status: 'ignored', substatus: 'archived_forever' });
      expect((await status(b)).status).toBe('ignored');
      expect((await status(a)).status).toBe('resolved');

      expect((await put(`${base}?query=nothing-matches-this`, { status: 'resolved' })).status).toBe(204);
      const orgWide = await put(`/api/0/organizations/acme/issues/?id=${c}`, { status: 'resolved' });
      expect(orgWide.status).toBe(200);
      expect((await status(c)).status).toBe('resolved');
    });

    it('assigns to members only', async () => {
      const dev = await createMember(server.pool, { orgId: p.orgId, email: 'dev@example.com' });
      const stranger = await createMember(server.pool, { orgId: null, email: 'stranger@example.com' });
      const id = (await createIssue(server.pool, { projectId: p.projectId, title: 'assign me' })).id;
      const res = await put(`/api/0/issues/${id}/`, { assignedTo: 'dev@example.com' });
      expect(res.body.assignedTo).toMatchObject({ type: 'user', id: dev.userId, email: 'dev@example.com' });
      expect(
        (await get(`${base}?query=${encodeURIComponent('assigned:dev@example.com')}`)).body.map(
          (i: { id: string }) => i.id,
        ),
      ).toEqual([id]);
      expect((await put(`/api/0/issues/${id}/`, { assignedTo: `user:${stranger.userId}` })).status).toBe(400);
      expect((await put(`/api/0/issues/${id}/`, { assignedTo: '' })).body.assignedTo).toBeNull();
    });

    it("assigns to a team of the organization: team:<id>, in Sentry's actor shape, searchable", async () => {
      const team = async (slug: string) =>
        (
          await call(server.url, '/api/0/organizations/acme/teams/', {
            method: 'POST',
            token: owner.token,
            body: { name: slug, slug },
          })
        ).body as { id: string };
      const backend = await team('backend');
      await team('frontend');
      expect(
        (
          await call(server.url, '/api/0/organizations/acme/members/owner@example.com/teams/backend/', {
            method: 'POST',
            token: owner.token,
          })
        ).status,
      ).toBe(201);
      const other = await createProject(server.pool, { orgSlug: 'other-org', slug: 'other', baseUrl: server.url });
      const foreign = (
        await server.pool.query<{ id: string }>(
          `INSERT INTO teams (organization_id, slug, name) VALUES ($1, 'backend', 'Backend') RETURNING id`,
          [other.orgId],
        )
      ).rows[0]!.id;
      const id = (await createIssue(server.pool, { projectId: p.projectId, title: 'assign a team' })).id;
      const search = async (q: string) =>
        (await get(`${base}?query=${encodeURIComponent(q)}`)).body.map((i: { id: string }) => i.id);

      const res = await put(`/api/0/issues/${id}/`, { assignedTo: `team:${backend.id}` });
      expect(res.status).toBe(200);
      expect(res.body.assignedTo).toEqual({ type: 'team', id: backend.id, name: 'backend' });
      expect((await get(`/api/0/issues/${id}/`)).body.assignedTo).toEqual({
        type: 'team',
        id: backend.id,
        name: 'backend',
      });
      const activity = await server.pool.query(
        `SELECT kind, data FROM issue_activities WHERE issue_id = $1 ORDER BY id DESC LIMIT 1`,
        [id],
      );
      expect(activity.rows[0]).toMatchObject({
        kind: 'assigned',
        data: { assignee: backend.id, assigneeType: 'team' },
      });
      expect(await search('assigned:#backend')).toEqual([id]);
      expect(await search('assigned:#frontend')).toEqual([]);
      expect(await search('assigned:me assign a team')).toEqual([id]); // the owner is on the team
      expect(await search('assigned:my_teams')).toEqual([id]);
      expect(await search('is:assigned assign a team')).toEqual([id]);
      expect(await search('is:unassigned assign a team')).toEqual([]);

      for (const bad of [`team:${foreign}`, 'team:backend', 'team:']) {
        const r = await put(`/api/0/issues/${id}/`, { assignedTo: bad });
        expect(r.status).toBe(400);
        expect(r.body.error.message).toContain('assignedTo');
      }
      expect((await get(`/api/0/issues/${id}/`)).body.assignedTo).toMatchObject({ type: 'team', id: backend.id });

      // A person replaces the team (one assignee); the bulk PUTs take team:<id> as well.
      const user = await put(`/api/0/issues/${id}/`, { assignedTo: `user:${owner.userId}` });
      expect(user.body.assignedTo).toMatchObject({ type: 'user', id: owner.userId });
      expect(await search('assigned:#backend')).toEqual([]);
      const second = (await createIssue(server.pool, { projectId: p.projectId, title: 'assign a team too' })).id;
      const bulk = await put(`${base}?id=${id}&id=${second}`, { assignedTo: `team:${backend.id}` });
      expect(bulk.body.assignedTo).toEqual({ type: 'team', id: backend.id, name: 'backend' });
      expect((await search('assigned:#backend')).sort()).toEqual([id, second].sort());
      const orgWide = await put(`/api/0/organizations/acme/issues/?id=${second}`, { assignedTo: `team:${foreign}` });
      expect(orgWide.status).toBe(400);
      expect(orgWide.body.error.message).toContain('assignedTo');

      // Deleting the team leaves its issues unassigned.
      expect(
        (await call(server.url, '/api/0/teams/acme/backend/', { method: 'DELETE', token: owner.token })).status,
      ).toBeLessThan(300);
      expect((await get(`/api/0/issues/${id}/`)).body.assignedTo).toBeNull();
    });

    it('deletes an issue with its events', async () => {
      const id = (await createIssue(server.pool, { projectId: p.projectId, title: 'to delete' })).id;
      await createEvent(server.pool, { projectId: p.projectId, issueId: id, payload: { platform: 'node' } });
      const res = await call(server.url, `/api/0/issues/${id}/`, { method: 'DELETE', token: owner.token });
      expect(res.status).toBe(202);
      expect((await server.pool.query('SELECT 1 FROM issues WHERE id = $1', [id])).rowCount).toBe(0);
      expect((await server.pool.query('SELECT 1 FROM events WHERE issue_id = $1', [id])).rowCount).toBe(0);
      expect((await call(server.url, `${base}`, { method: 'DELETE', token: owner.token })).status).toBe(400);
    });
  });

  describe('events', () => {
    let issueId: string;
    const eventIds: string[] = [];

    beforeAll(async () => {
      issueId = (await createIssue(server.pool, { projectId: p.projectId, title: 'TypeError: x is undefined' })).id;
      for (let i = 0; i < 3; i++) {
        eventIds.push(
          await createEvent(server.pool, {
            projectId: p.projectId,
            issueId,
            timestamp: new Date(Date.now() - (3 - i) * 60_000 + 0.5),
            payload: {
              platform: 'javascript',
              level: 'error',
              release: 'shop@1.4.2',
              environment: 'production',
              exception: {
                values: [
                  {
                    type: 'TypeError',
                    value: `x is undefined #${i}`,
                    stacktrace: { frames: [{ filename: 'app.js', function: 'render', lineno: 3, in_app: true }] },
                  },
                ],
              },
              breadcrumbs: { values: [{ timestamp: 1795658359.5, category: 'ui.click', message: 'button' }] },
              tags: [
                ['level', 'error'],
                ['environment', 'production'],
              ],
              user: { id: '7' },
              hashes: ['h-x'],
            },
          }),
        );
      }
    });

    it("lists an issue's events newest first with pages", async () => {
      const res = await get(`/api/0/issues/${issueId}/events/?limit=2`);
      expect(res.body.map((e: { eventID: string }) => e.eventID)).toEqual([eventIds[2], eventIds[1]]);
      expect(res.body[0]).toMatchObject({
        groupID: issueId,
        projectID: p.projectId,
        'event.type': 'error',
        user: { id: '7' },
      });
      const next = links(res.headers.get('link')).next!;
      const more = await get(`/api/0/issues/${issueId}/events/?limit=2&cursor=${encodeURIComponent(next.cursor)}`);
      expect(more.body.map((e: { eventID: string }) => e.eventID)).toEqual([eventIds[0]]);
      const full = await get(`/api/0/issues/${issueId}/events/?full=true&limit=1`);
      expect(full.body[0].entries.map((e: { type: string }) => e.type)).toEqual(['exception', 'breadcrumbs']);
    });

    it('answers latest, oldest and a given event with entries and neighbours', async () => {
      const latest = await get(`/api/0/issues/${issueId}/events/latest/`);
      expect(latest.status).toBe(200);
      expect(latest.body).toMatchObject({
        eventID: eventIds[2],
        previousEventID: eventIds[1],
        nextEventID: null,
        fingerprints: ['h-x'],
        release: { version: 'shop@1.4.2' },
        environment: 'production',
        dateCreated: expect.stringMatching(/Z$/),
      });
      expect(latest.body.entries[0].data.values[0].value).toBe('x is undefined #2');
      expect((await get(`/api/0/issues/${issueId}/events/oldest/`)).body).toMatchObject({
        eventID: eventIds[0],
        previousEventID: null,
        nextEventID: eventIds[1],
      });
      const one = await get(`/api/0/organizations/acme/issues/${issueId}/events/${eventIds[1]}/`);
      expect(one.body).toMatchObject({ eventID: eventIds[1], previousEventID: eventIds[0], nextEventID: eventIds[2] });
      expect((await get(`/api/0/projects/acme/web/events/${eventIds[1]}/`)).body.eventID).toBe(eventIds[1]);
      expect((await get(`/api/0/issues/${issueId}/events/${'0'.repeat(32)}/`)).status).toBe(404);
      expect((await get(`/api/0/issues/${issueId}/events/nope/`)).status).toBe(404);
    });
  });

  it('lists organizations, projects and DSN keys', async () => {
    const orgs = await get('/api/0/organizations/');
    expect(orgs.body).toEqual([
      expect.objectContaining({ slug: 'acme', role: 'owner', require2FA: false, isEarlyAdopter: false, features: [] }),
    ]);
    expect((await get('/api/0/organizations/acme/')).body.slug).toBe('acme');
    const projects = await get('/api/0/organizations/acme/projects/');
    expect(projects.body.map((x: { slug: string }) => x.slug)).toEqual(expect.arrayContaining(['web', 'paged']));
    expect((await get('/api/0/projects/acme/web/')).body).toMatchObject({
      id: p.projectId,
      slug: 'web',
      organization: { slug: 'acme' },
    });
    const keys = await get('/api/0/projects/acme/web/keys/');
    const url = new URL(server.deps.config.http.baseUrl);
    expect(keys.body[0]).toMatchObject({
      public: p.publicKey,
      secret: p.secretKey,
      isActive: true,
      rateLimit: null,
      projectId: Number(p.projectId),
      dsn: {
        public: `http://${p.publicKey}@${url.host}/${p.projectId}`,
        secret: `http://${p.publicKey}:${p.secretKey}@${url.host}/${p.projectId}`,
      },
    });
  });
});
