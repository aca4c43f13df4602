// The real SDKs back off after a 429: @sentry/node 11 and Debian's python3-sentry-sdk 1.9 send
// through a counting proxy to a running Faultline whose key allows one event per hour. Each
// program captures five errors; only two requests with an event may arrive (the accepted one
// and the one answered 429); the rest are held back by the SDK for the window.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secondsLeftInWindow } from '../../ingest/src/rate-limit.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const PROGRAMS = path.join(import.meta.dirname, 'programs');
/** Fixed windows: take a window length whose current window has minutes left (their ends rarely meet). */
function roomyWindow(): number {
  return [3600, 4200, 5400, 6600].find((w) => secondsLeftInWindow(Date.now(), w) > 120) ?? 7800;
}

interface Seen {
  path: string;
  status: number;
  hasEvent: boolean;
}

/** Forwards every request to Faultline and remembers what went through and what came back. */
async function startCountingProxy(target: string): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = http.request(
        `${target}${req.url}`,
        { method: req.method, headers: req.headers, agent: false },
        (upRes) => {
          const out: Buffer[] = [];
          upRes.on('data', (c: Buffer) => out.push(c));
          upRes.on('end', () => {
            seen.push({
              path: req.url ?? '',
              status: upRes.statusCode ?? 0,
              hasEvent: carriesEvent(req.url ?? '', req.headers['content-encoding'], body),
            });
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(out));
          });
        },
      );
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

function carriesEvent(url: string, encoding: string | undefined, body: Buffer): boolean {
  if (url.includes('/store/')) return true;
  const text = (encoding === 'gzip' ? gunzipSync(body) : body).toString('utf8');
  return text.split('\n').some((line) => /^\{.*"type":\s*"event"/.test(line));
}

let s: TestServer;
let proxy: Awaited<ReturnType<typeof startCountingProxy>>;

beforeAll(async () => {
  s = await startTestServer();
  proxy = await startCountingProxy(s.url);
});
afterAll(async () => {
  await proxy?.close();
  await s?.stop();
});

/** A project whose only key allows one event per hour, with a DSN pointing at the proxy. */
async function limitedProject(): Promise<CreatedProject> {
  const p = await createProject(s.pool, { baseUrl: proxy.url });
  await s.pool.query('UPDATE project_keys SET rate_limit_count = 1, rate_limit_window = $2 WHERE id = $1', [
    p.keyId,
    roomyWindow(),
  ]);
  return p;
}

function eventRequests(p: CreatedProject): Seen[] {
  return proxy.seen.filter((x) => x.hasEvent && x.path.startsWith(`/api/${p.projectId}/`));
}

describe('SDKs honour 429 + X-Sentry-Rate-Limits', () => {
  it('control: without a limit both programs send all five events', async () => {
    const node = await createProject(s.pool, { baseUrl: proxy.url });
    const py = await createProject(s.pool, { baseUrl: proxy.url });
    await run(process.execPath, [path.join(PROGRAMS, 'rate-limited-app.mjs')], {
      env: { ...process.env, DSN: node.dsn, COUNT: '5' },
      timeout: 60_000,
    });
    await run('/usr/bin/python3', [path.join(PROGRAMS, 'rate_limited_app.py')], {
      env: { ...process.env, DSN: py.dsn, COUNT: '5' },
      timeout: 60_000,
    });
    expect(eventRequests(node).map((x) => x.status)).toEqual([200, 200, 200, 200, 200]);
    expect(eventRequests(py).map((x) => x.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('@sentry/node 11 sends nothing more after the 429', async () => {
    const p = await limitedProject();
    await run(process.execPath, [path.join(PROGRAMS, 'rate-limited-app.mjs')], {
      env: { ...process.env, DSN: p.dsn, COUNT: '5' },
      timeout: 60_000,
    });
    expect(eventRequests(p).map((x) => x.status)).toEqual([200, 429]);
  });

  it('python sentry-sdk 1.9 sends nothing more after the 429', async () => {
    const p = await limitedProject();
    await run('/usr/bin/python3', [path.join(PROGRAMS, 'rate_limited_app.py')], {
      env: { ...process.env, DSN: p.dsn, COUNT: '5' },
      timeout: 60_000,
    });
    expect(eventRequests(p).map((x) => x.status)).toEqual([200, 429]);
  });
});
