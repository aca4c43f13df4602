// With Redis unreachable and the disk spool off (SPOOL_MAX_MB=0), ingest must answer 503 (never a
// 200 that loses the event), quickly enough for SDK timeouts, with the usual CORS headers.
// With the spool on, see test/reliability/spool.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ REDIS_URL: 'redis://127.0.0.1:1', SPOOL_MAX_MB: '0' });
});
afterAll(async () => {
  await s?.stop();
});

describe('ingest with Redis down', () => {
  it('answers 503 for envelopes and store events, never 200', async () => {
    const q = `sentry_key=${s.project.publicKey}&sentry_version=7`;
    const answers = await Promise.all([
      request(`${s.url}/api/${s.project.projectId}/envelope/?${q}`, {
        body: '{}\n{"type":"event"}\n{"message":"lost?"}',
      }),
      request(`${s.url}/api/${s.project.projectId}/envelope/?${q}`, {
        body: '{}\n{"type":"session"}\n{"sid":"x","attrs":{"release":"r@1"}}',
      }),
      request(`${s.url}/api/${s.project.projectId}/store/?${q}`, { body: '{"message":"lost?"}' }),
    ]);
    for (const r of answers) {
      expect({ status: r.status, body: r.json }).toEqual({
        status: 503,
        body: { detail: 'service unavailable: event queue is not reachable' },
      });
      expect(r.headers['access-control-allow-origin']).toBe('*');
    }
  });

  it('still answers auth and envelope errors without Redis', async () => {
    const r = await request(`${s.url}/api/${s.project.projectId}/store/`, { body: '{}' });
    expect(r.status).toBe(401);
    const e = await request(`${s.url}/api/${s.project.projectId}/envelope/?sentry_key=${s.project.publicKey}`, {
      body: '[]',
    });
    expect(e.status).toBe(400);
  });

  it('answers 200 for an envelope with nothing to queue', async () => {
    const r = await request(`${s.url}/api/${s.project.projectId}/envelope/?sentry_key=${s.project.publicKey}`, {
      body: '{}\n{"type":"statsd"}\nfoo:1|c',
    });
    expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: {} });
  });
});
