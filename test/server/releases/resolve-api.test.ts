// "Resolve in the next release" through the real API and ingest: PUT /api/0/issues/{id}/ (and
// the bulk PUT sentry-cli uses) stores the release-aware resolution, then events sent as
// envelopes to a full server decide: the old release does not reopen, a newer one reopens the
// issue as regressed; unresolving clears the resolution columns.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../helpers/api-client.js';
import { request } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { createApiToken } from '../../helpers/sentry-cli.js';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'all' });
  token = await createApiToken(server.pool, server.project.orgId);
});

afterAll(async () => {
  await server?.stop();
});

/** Sends one `type` error from `release` as an envelope and waits until the worker stored it. */
async function send(type: string, release: string, host = 'web-1'): Promise<string> {
  const eventId = randomBytes(16).toString('hex');
  const event = {
    event_id: eventId,
    platform: 'node',
    level: 'error',
    timestamp: Date.now() / 1000,
    server_name: host,
    environment: 'production',
    release,
    exception: {
      values: [
        {
          type,
          value: 'boom',
          stacktrace: {
            frames: [{ filename: '/srv/app/cart.js', function: 'checkout', module: 'cart', lineno: 7, in_app: true }],
          },
        },
      ],
    },
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
          `SELECT issue_id::text AS "issueId" FROM events WHERE event_id = $1`,
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

async function columns(issueId: string): Promise<Record<string, unknown>> {
  const { rows } = await server.pool.query(
    `SELECT status, substatus, resolved_in_release, resolved_in_next_release, resolved_after_release FROM issues WHERE id = $1`,
    [issueId],
  );
  return rows[0]!;
}

const put = (path: string, body: unknown) => call(server.url, path, { method: 'PUT', token, body });

describe('resolve in the next release via the API', () => {
  it('PUT /issues/{id}/: the old release keeps it resolved, a newer release reopens it as regressed', async () => {
    const issueId = await send('CartError', 'shop@1.4.0');
    const res = await put(`/api/0/issues/${issueId}/`, { status: 'resolved', statusDetails: { inNextRelease: true } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'resolved', statusDetails: { inNextRelease: true } });
    expect(await columns(issueId)).toEqual({
      status: 'resolved',
      substatus: null,
      resolved_in_release: null,
      resolved_in_next_release: true,
      resolved_after_release: 'shop@1.4.0',
    });

    expect(await send('CartError', 'shop@1.4.0', 'web-3')).toBe(issueId); // a host not upgraded yet
    expect(await columns(issueId)).toMatchObject({ status: 'resolved', resolved_in_next_release: true });

    await send('CartError', 'shop@1.4.1', 'web-1'); // the fix did not work
    expect(await columns(issueId)).toEqual({
      status: 'unresolved',
      substatus: 'regressed',
      resolved_in_release: null,
      resolved_in_next_release: false,
      resolved_after_release: null,
    });
  });

  it('bulk PUT (sentry-cli issues resolve -n) writes the same columns; unresolve clears them', async () => {
    const issueId = await send('StockError', 'shop@1.4.1');
    const p = server.project;
    const res = await put(`/api/0/projects/${p.orgSlug}/${p.slug}/issues/?id=${issueId}`, {
      status: 'resolvedInNextRelease',
    });
    expect(res.status).toBe(200);
    expect(await columns(issueId)).toMatchObject({
      status: 'resolved',
      resolved_in_next_release: true,
      resolved_after_release: 'shop@1.4.1',
    });

    await put(`/api/0/issues/${issueId}/`, { status: 'unresolved' });
    expect(await columns(issueId)).toEqual({
      status: 'unresolved',
      substatus: 'ongoing',
      resolved_in_release: null,
      resolved_in_next_release: false,
      resolved_after_release: null,
    });

    await put(`/api/0/issues/${issueId}/`, { status: 'resolved', statusDetails: { inRelease: 'latest' } });
    expect(await columns(issueId)).toMatchObject({
      status: 'resolved',
      resolved_in_release: 'shop@1.4.1',
      resolved_in_next_release: false,
    });
    await send('StockError', 'shop@1.4.0', 'web-2');
    expect((await columns(issueId)).status).toBe('resolved');
    await send('StockError', 'shop@1.4.1', 'web-1');
    expect(await columns(issueId)).toMatchObject({
      status: 'unresolved',
      substatus: 'regressed',
      resolved_in_release: null,
    });
  });
});
