// Replays the raw requests recorded from real SDKs (test/fixtures/sdk-captures) against a running
// Faultline (ingest + worker) and checks the issues a developer would expect to see.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const CAPTURES = path.join(import.meta.dirname, '../fixtures/sdk-captures');

interface Capture {
  method: string;
  url: string;
  headers: Record<string, string>;
  body_base64: string;
}

/** Rewrites the recorded key and project id to the test project's, in URL, headers and body. */
async function replay(server: TestServer, folder: string, file: string) {
  const cap = JSON.parse(await readFile(path.join(CAPTURES, folder, file), 'utf8')) as Capture;
  const recorded = /\/api\/(\d+)\//.exec(cap.url)!;
  const key = /sentry_key=([0-9a-f]{32})/.exec(cap.url + JSON.stringify(cap.headers))?.[1];
  const rewrite = (s: string) =>
    s
      .replaceAll(`/api/${recorded[1]}/`, `/api/${server.project.projectId}/`)
      .replaceAll(key ?? '\u0000', server.project.publicKey);
  const url = new URL(rewrite(cap.url), server.url);
  const target = `${server.url}${url.pathname}${url.search}`;
  let body = Buffer.from(cap.body_base64, 'base64');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(cap.headers)) {
    if (['host', 'content-length', 'connection', 'transfer-encoding'].includes(k.toLowerCase())) continue;
    headers[k] = rewrite(v);
  }
  if (!cap.headers['content-encoding'] && key && body.includes(key)) {
    body = Buffer.from(rewrite(body.toString('utf8')));
  }
  return request(target, { method: cap.method, headers, body });
}

async function issueRows(server: TestServer) {
  const { rows } = await server.pool.query<{
    title: string;
    culprit: string;
    event_count: string;
    level: string;
    platform: string;
  }>('SELECT title, culprit, event_count, level, platform FROM issues WHERE project_id = $1 ORDER BY title', [
    server.project.projectId,
  ]);
  return rows;
}

describe('recorded SDK requests end to end', { timeout: 60_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'all' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('@sentry/node 11.12: every request is accepted and becomes the expected issues', async () => {
    const folder = 'node-sdk-11.12';
    const files = (await readdir(path.join(CAPTURES, folder))).filter((f) => f.endsWith('.json')).sort();
    for (const f of files) {
      const res = await replay(server, folder, f);
      expect(res.status, `${f}: ${res.text}`).toBe(200);
    }
    // 5 events: SyntaxError, DbError(cause TypeError) via loadOrder, DbError via chargeCard,
    // a message, and an unhandled RangeError.
    const rows = await waitFor(
      async () => {
        const r = await issueRows(server);
        return r.reduce((n, i) => n + Number(i.event_count), 0) >= 5 ? r : null;
      },
      { message: 'node issues', timeout: 20_000 },
    );
    const titles = rows.map((r) => r.title);
    expect(titles).toContain('Payment 1999 declined for order 981');
    expect(titles.filter((t) => t.startsWith('SyntaxError'))).toHaveLength(1);
    expect(titles.filter((t) => t.startsWith('RangeError: Invalid array length in stock sync'))).toHaveLength(1);
    // Same type thrown from the same function through different call paths: Sentry hashes the whole
    // in-app stack (and the cause chain), so these are two issues, as in Sentry.
    const db = rows.filter((r) => r.title.startsWith('DbError'));
    expect(db.map((r) => r.title).sort()).toEqual([
      'DbError: could not load order 981',
      'DbError: relation "orders_1999" does not exist',
    ]);
    for (const r of db) expect(r.culprit).not.toBe('');
    const message = rows.find((r) => r.title.startsWith('Payment'))!;
    expect(message.level).toBe('warning');
  });

  it('python sentry-sdk 1.9.10 store bodies (gzip, X-Sentry-Auth) become issues with culprits', async () => {
    const folder = 'python-sdk-1.9.10';
    for (const f of (await readdir(path.join(CAPTURES, folder))).filter((f) => f.endsWith('.json')).sort()) {
      const res = await replay(server, folder, f);
      expect(res.status, `${f}: ${res.text}`).toBe(200);
      expect(res.json).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    }
    const rows = await waitFor(
      async () => {
        const r = (await issueRows(server)).filter((i) => i.platform === 'python');
        return r.length >= 3 ? r : null;
      },
      { message: 'python issues', timeout: 20_000 },
    );
    const zero = rows.find((r) => r.title.startsWith('ZeroDivisionError'))!;
    expect(zero.title).toBe('ZeroDivisionError: division by zero');
    expect(zero.culprit).toContain('ratio');
    const key = rows.find((r) => r.title.startsWith('KeyError'))!;
    expect(key.culprit).toContain('render_invoice');
    expect(rows.map((r) => r.title)).toContain('Invoice 7781 sent to customer 55');
  });

  it('@sentry/browser 11.12 (text/plain, Origin) is accepted with CORS headers', async () => {
    const folder = 'browser-sdk-11.12';
    for (const f of (await readdir(path.join(CAPTURES, folder))).filter((f) => f.endsWith('.json')).sort()) {
      const res = await replay(server, folder, f);
      expect(res.status, `${f}: ${res.text}`).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(String(res.headers['access-control-expose-headers'])).toMatch(/x-sentry-rate-limits/i);
    }
    await waitFor(async () => (await issueRows(server)).some((r) => r.title.startsWith('TypeError')), {
      message: 'browser issue',
    });
  });

  it('sentry-cli 3.8 send-event envelope is accepted', async () => {
    const res = await replay(server, 'sentry-cli-3.8', '03-send-event-envelope.json');
    expect(res.status, res.text).toBe(200);
  });
});
