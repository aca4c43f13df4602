// Security headers on every answer, request ids, and request logs that never carry secrets.
import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createApp } from '../../../server/src/api/app.js';
import { API_CSP } from '../../../server/src/api/security-headers.js';
import { UI_CSP } from '../../../server/src/api/ui.js';
import { loadConfig } from '../../../server/src/config.js';
import type { Deps } from '../../../server/src/deps.js';
import { REDACT_PATHS } from '../../../server/src/shared/log.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

describe('security headers', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ ROLE: 'all', TRUST_PROXY: '1' }); // behind one proxy: X-Forwarded-Proto counts
  });
  afterAll(async () => {
    await s?.stop();
  });

  it.each(['/api/0/', '/api/0/projects/', '/healthz', `/api/${1}/store/`, '/no/such/page.txt'])(
    '%s carries them',
    async (path) => {
      const res = await fetch(`${s.url}${path}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('content-security-policy')).toBe(API_CSP);
      expect(res.headers.get('x-request-id')).toMatch(/^[\w-]+$/);
    },
  );

  it.each(['envelope', 'store'] as const)(
    'POST /%s/ (the ingest lane) carries them, its CORS and the request id',
    async (endpoint) => {
      const auth = `Sentry sentry_version=7, sentry_key=${s.project.publicKey}`;
      const body = endpoint === 'store' ? '{"message":"hi"}' : '{}\n{"type":"event"}\n{"message":"hi"}\n';
      const res = await fetch(`${s.url}/api/${s.project.projectId}/${endpoint}/`, {
        method: 'POST',
        headers: { 'x-sentry-auth': auth, 'x-request-id': 'lane-req-1' },
        body,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('content-security-policy')).toBe(API_CSP);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('x-request-id')).toBe('lane-req-1');
      const tls = await fetch(`${s.url}/api/${s.project.projectId}/${endpoint}/`, {
        method: 'POST',
        headers: { 'x-sentry-auth': auth, 'x-forwarded-proto': 'https' },
        body,
      });
      expect(tls.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(tls.headers.get('x-request-id')).toMatch(/^[\w-]+$/);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toMatch(/faultline_ingest_outcomes_total\{outcome="accepted"\} [1-9]/);
      expect(metrics).toMatch(/faultline_http_requests_total\{part="ingest",status="2xx"\} [1-9]/);
    },
  );

  it('the UI keeps its own policy and it forbids framing too', () => {
    expect(UI_CSP).toContain("frame-ancestors 'none'");
    expect(API_CSP).toContain("default-src 'none'");
  });

  it('sends HSTS only behind TLS', async () => {
    expect((await fetch(`${s.url}/healthz`)).headers.get('strict-transport-security')).toBeNull();
    const tls = await fetch(`${s.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(tls.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });
});

describe('request logs', () => {
  const lines: Array<Record<string, unknown>> = [];
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    const deps = { config: loadConfig({}), log } as unknown as Deps;
    const app = createApp(deps, {
      mounts: [
        async (ctx) => {
          ctx.body = { ok: true };
        },
      ],
      // The ingest lane (ingest/src/http.ts) for one path: its requests are logged the same way.
      ingestLane: (ctx) =>
        ctx.method === 'POST' && ctx.path === '/api/2/envelope/'
          ? async () => {
              ctx.body = { id: 'lane' };
            }
          : undefined,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('logs one line per request with its id, and no credentials', async () => {
    const res = await fetch(`${base}/api/0/projects/?token=qs-secret-1`, {
      headers: {
        authorization: 'Bearer hdr-secret-2',
        cookie: 'faultline_session=ck-secret-3',
        'x-sentry-auth': 'Sentry sentry_key=sk-secret-4',
        'x-request-id': 'req-123',
      },
    });
    expect(res.headers.get('x-request-id')).toBe('req-123');
    await fetch(`${base}/api/1/store/?sentry_key=0123456789abcdef0123456789abcdef`, { method: 'POST', body: '{}' });
    const text = JSON.stringify(lines);
    for (const secret of [
      'qs-secret-1',
      'hdr-secret-2',
      'ck-secret-3',
      'sk-secret-4',
      '0123456789abcdef0123456789abcdef',
    ])
      expect(text).not.toContain(secret);
    expect(lines.find((l) => l.requestId === 'req-123')).toMatchObject({
      method: 'GET',
      path: '/api/0/projects/',
      status: 200,
      part: 'api',
      level: 30,
    });
    expect(lines.find((l) => l.part === 'ingest')).toMatchObject({ level: 20 }); // debug: nothing per event at info
  });

  it('logs an ingest lane request like any other, at debug, without the key', async () => {
    const res = await fetch(`${base}/api/2/envelope/?sentry_key=0123456789abcdef0123456789abcdef`, {
      method: 'POST',
      headers: { 'x-request-id': 'lane-9' },
      body: '{}',
    });
    expect(res.headers.get('x-request-id')).toBe('lane-9');
    expect(res.headers.get('content-security-policy')).toBe(API_CSP);
    expect(JSON.stringify(lines)).not.toContain('0123456789abcdef0123456789abcdef');
    expect(lines.find((l) => l.requestId === 'lane-9')).toMatchObject({
      method: 'POST',
      path: '/api/2/envelope/',
      status: 200,
      part: 'ingest',
      level: 20,
    });
  });

  it('the root logger redacts secrets wherever they are logged', () => {
    lines.length = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    log.info(
      {
        req: { headers: { authorization: 'a-1', cookie: 'c-1', 'x-sentry-auth': 'x-1' } },
        password: 'p-1',
        user: { token: 't-1', secret: 's-1' },
      },
      'x',
    );
    expect(JSON.stringify(lines)).not.toMatch(/a-1|c-1|x-1|p-1|t-1|s-1/);
  });
});
