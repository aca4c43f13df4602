// Replays every request recorded from real, unmodified SDKs (test/fixtures/sdk-captures) against
// the ingest endpoints, with the key and project id rewritten to the test project's, and checks
// the answer and the jobs that land in the queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { eventJobId } from '../../server/src/shared/queues.js';
import { queuedEvent, queuedItems } from '../helpers/queued.js';

interface Capture {
  method: string;
  url: string;
  headers: Record<string, string>;
  body_base64: string;
}

const ROOT = join(import.meta.dirname, '../fixtures/sdk-captures');
const captures = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(join(ROOT, d.name))
      .filter((f) => /^\d\d-.*\.json$/.test(f))
      .map((f) => `${d.name}/${f}`),
  )
  // sentry-cli `info` / `issues list` are /api/0/ API calls, not ingest.
  .filter((name) => !/sentry-cli[^/]*\/0[12]-/.test(name))
  .sort();

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.stop();
});

function load(name: string): Capture {
  return JSON.parse(readFileSync(join(ROOT, name), 'utf8')) as Capture;
}

/** The recorded key and project id: from the URL path and the query or X-Sentry-Auth. */
function recordedAuth(c: Capture): { key: string; projectId: string } {
  const key = /sentry_key=([0-9a-z]+)/i.exec(`${c.url} ${c.headers['x-sentry-auth'] ?? ''}`)?.[1];
  const projectId = /^\/api\/(\d+)\//.exec(c.url)?.[1];
  if (!key || !projectId) throw new Error(`capture without key or project id: ${c.url}`);
  return { key, projectId };
}

function decode(c: Capture): Buffer {
  const raw = Buffer.from(c.body_base64, 'base64');
  return /gzip/.test(c.headers['content-encoding'] ?? '') ? gunzipSync(raw) : raw;
}

/** Rewrites key and project in the URL, the auth header and an envelope header `dsn`. */
function rewrite(c: Capture): { url: string; headers: Record<string, string>; body: Buffer; chunked: boolean } {
  const { key, projectId } = recordedAuth(c);
  const swap = (v: string) => v.replaceAll(key, s.project.publicKey);
  const url = swap(c.url).replace(`/api/${projectId}/`, `/api/${s.project.projectId}/`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(c.headers)) {
    if (['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) continue;
    headers[name] = name === 'x-sentry-auth' ? swap(value) : value;
  }
  let body = Buffer.from(c.body_base64, 'base64');
  const text = decode(c).toString('utf8');
  if (/^\{[^\n]*"dsn"/.test(text)) {
    const nl = text.indexOf('\n');
    const head = JSON.parse(nl === -1 ? text : text.slice(0, nl)) as { dsn: string };
    head.dsn = s.project.dsn;
    const plain = Buffer.from(JSON.stringify(head) + (nl === -1 ? '' : text.slice(nl)));
    body = /gzip/.test(c.headers['content-encoding'] ?? '') ? gzipSync(plain) : plain;
  }
  return { url: `${s.url}${url}`, headers, body, chunked: c.headers['transfer-encoding'] === 'chunked' };
}

/** What the capture should put in the queue: the event (id + payload) and aux item payloads. */
function expectedJobs(c: Capture): {
  event?: { id?: string; payload: string };
  aux: Array<{ kind: string; payload: string }>;
} {
  const text = decode(c).toString('utf8');
  if (c.url.includes('/store/')) {
    const id = (JSON.parse(text) as { event_id?: string }).event_id;
    return { event: { id, payload: text }, aux: [] };
  }
  const lines = text.split('\n');
  const head = JSON.parse(lines[0]!) as { event_id?: string };
  const out: ReturnType<typeof expectedJobs> = { aux: [] };
  for (let i = 1; i + 1 < lines.length; i += 2) {
    const type = (JSON.parse(lines[i]!) as { type: string }).type;
    if (type === 'event') out.event = { id: head.event_id?.replaceAll('-', ''), payload: lines[i + 1]! };
    else out.aux.push({ kind: type, payload: lines[i + 1]! });
  }
  return out;
}

describe('real SDK captures', () => {
  it('covers every client folder', () => {
    expect(new Set(captures.map((c) => c.split('/')[0]))).toEqual(
      new Set(['browser-sdk-11.12', 'node-sdk-11.12', 'python-sdk-1.9.10', 'sentry-cli-3.8']),
    );
  });

  it.each(captures)('%s is accepted and queued', async (name) => {
    const c = load(name);
    const req = rewrite(c);
    const r = await request(req.url, {
      method: c.method,
      headers: req.headers,
      body: req.body,
      ...(req.chunked ? { chunkSize: 1024 } : {}),
    });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    const expected = expectedJobs(c);

    if (expected.event) {
      const id = (r.json as { id: string }).id;
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      if (expected.event.id) expect(id).toBe(expected.event.id);
      const job = await queuedEvent(s.deps.queue, s.project.projectId, id);
      expect(job?.data).toMatchObject({
        v: 1,
        kind: 'event',
        projectId: s.project.projectId,
        eventId: id,
        payload: expected.event.payload,
        meta: { keyId: s.project.keyId, endpoint: c.url.includes('/store/') ? 'store' : 'envelope' },
      });
      // Alone it is a plain job known by its event id; beside aux items it rides their micro-batch job.
      expect(job?.job.opts).toMatchObject(
        job?.job.name === 'batch' ? { attempts: 8 } : { attempts: 8, jobId: eventJobId(s.project.projectId, id) },
      );
    } else {
      expect(r.json).toEqual({});
    }

    const waiting = await queuedItems(s.deps.queue, ['waiting', 'wait']);
    for (const aux of expected.aux) {
      const matches = waiting.filter((j) => j.data.kind === aux.kind && j.data.payload === aux.payload);
      expect(matches.map((j) => j.data.projectId)).toEqual([s.project.projectId]);
    }
  });
});
