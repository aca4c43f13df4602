// Events as the real pipeline stores them, read back through the API: recorded SDK events are
// sent to ingest, the worker groups and stores them, and the issue/event endpoints serialize them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { call } from '../../helpers/api-client.js';
import { createMember, type Member } from '../../helpers/api-factories.js';

const CAPTURES = path.resolve(import.meta.dirname, '../../fixtures/sdk-captures');

function fixtureEvent(file: string): Record<string, unknown> {
  const c = JSON.parse(readFileSync(path.join(CAPTURES, file), 'utf8')) as {
    headers: Record<string, string>;
    body_base64: string;
    url: string;
  };
  let raw = Buffer.from(c.body_base64, 'base64');
  if (c.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
  const text = raw.toString('utf8');
  return JSON.parse(c.url.includes('/store/') ? text : text.split('\n')[2]!) as Record<string, unknown>;
}

describe('stored events through the API', () => {
  let server: TestServer;
  let owner: Member;

  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'all' });
    owner = await createMember(server.pool, { orgId: server.project.orgId, role: 'owner' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function send(event: Record<string, unknown>): Promise<string> {
    const eventId = String(event.event_id).replace(/-/g, '');
    const fresh = { ...event, timestamp: Date.now() / 1000 - 5 };
    const body = `${JSON.stringify({ event_id: eventId })}\n${JSON.stringify({ type: 'event' })}\n${JSON.stringify(fresh)}\n`;
    const res = await fetch(
      `${server.url}/api/${server.project.projectId}/envelope/?sentry_key=${server.project.publicKey}&sentry_version=7`,
      { method: 'POST', body },
    );
    expect(res.status).toBe(200);
    return eventId;
  }

  it('serves a Node SDK exception with its entries, tags and grouping hashes', async () => {
    const eventId = await send(fixtureEvent('node-sdk-11.12/04-event-dberror-charge.json'));
    const issueId = await waitFor(
      async () => {
        const { rows } = await server.pool.query<{ issue_id: string }>(
          'SELECT issue_id FROM events WHERE project_id = $1 AND event_id = $2',
          [server.project.projectId, eventId],
        );
        return rows[0]?.issue_id;
      },
      { timeout: 20_000, message: 'the event to be stored' },
    );

    const org = server.project.orgSlug;
    const issue = await call(server.url, `/api/0/organizations/${org}/issues/${issueId}/`, { token: owner.token });
    expect(issue.status).toBe(200);
    expect(issue.body).toMatchObject({
      id: issueId,
      title: expect.stringContaining('DbError'),
      count: '1',
      status: 'unresolved',
    });

    const event = await call(server.url, `/api/0/issues/${issueId}/events/latest/`, { token: owner.token });
    expect(event.status).toBe(200);
    expect(event.body).toMatchObject({
      eventID: eventId,
      groupID: issueId,
      platform: 'node',
      type: 'error',
      release: { version: expect.any(String) },
    });
    expect(event.body.entries.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['exception', 'breadcrumbs']),
    );
    const frames = event.body.entries[0].data.values.at(-1).stacktrace.frames as Array<{
      filename: string;
      lineNo: number;
      context: unknown[];
    }>;
    expect(frames.some((f) => f.filename === '/srv/shop/lib/checkout.js' && f.lineNo > 0)).toBe(true);
    expect(event.body.tags).toEqual(
      expect.arrayContaining([
        { key: 'region', value: 'eu-west' },
        { key: 'user', value: 'id:42' },
      ]),
    );
    const hashes = await call(server.url, `/api/0/issues/${issueId}/hashes/`, { token: owner.token });
    expect(event.body.fingerprints.length).toBeGreaterThan(0);
    expect(hashes.body.map((h: { id: string }) => h.id)).toEqual(expect.arrayContaining(event.body.fingerprints));

    const info = await call(
      server.url,
      `/api/0/projects/${org}/${server.project.slug}/events/${eventId}/grouping-info/`,
      { token: owner.token },
    );
    expect(info.status).toBe(200);
    const variants = Object.values(info.body) as Array<{ hash: string; hashMismatch: boolean }>;
    expect(variants.length).toBeGreaterThan(0);
    expect(variants.every((v) => !v.hashMismatch)).toBe(true);

    const tags = await call(server.url, `/api/0/issues/${issueId}/tags/`, { token: owner.token });
    expect(tags.body.map((t: { key: string }) => t.key)).toEqual(expect.arrayContaining(['environment', 'release']));
    const env = String(
      (event.body.tags as Array<{ key: string; value: string }>).find((t) => t.key === 'environment')?.value,
    );
    const search = await call(
      server.url,
      `/api/0/projects/${org}/${server.project.slug}/issues/?query=${encodeURIComponent(`environment:${env}`)}`,
      { token: owner.token },
    );
    expect(search.body.map((i: { id: string }) => i.id)).toContain(issueId);
  });
});
