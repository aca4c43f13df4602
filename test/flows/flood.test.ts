// An error flood: 20 000 events of one fingerprint over a few keep-alive connections, with a
// trickle of other errors in between. The trickle is stored in full and shows up while the
// flood is still being processed; the flood's count is exact while spike protection stores
// only a sample of it (and the API says so); memory stays bounded.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { call } from '../helpers/api-client.js';
import { createMember, type Member } from '../helpers/api-factories.js';

const FLOOD = 20_000;
const TRICKLE = 40;
const CONNECTIONS = 6;

let s: TestServer;
let owner: Member;
let agent: http.Agent;

beforeAll(async () => {
  s = await startTestServer({ ROLE: 'all' }); // default spike settings: 1000 per issue and minute, 1% after
  owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
  agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
});
afterAll(async () => {
  agent?.destroy();
  await s?.stop();
});

function post(path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${s.url}${path}`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-sentry-envelope', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const frames = (fn: string) => [
  { filename: '/srv/app/worker.js', abs_path: '/srv/app/worker.js', function: fn, lineno: 42, colno: 7, in_app: true },
];
const eventBody = (type: string, value: string, fn: string) =>
  JSON.stringify({
    platform: 'node',
    level: 'error',
    exception: { values: [{ type, value, stacktrace: { frames: frames(fn) } }] },
  });
const FLOOD_BODY = eventBody('FloodError', 'connection pool exhausted', 'acquire');
const id = (prefix: number, n: number) => (prefix * 0x1000000 + n).toString(16).padStart(32, '0');

describe('flood of one fingerprint', () => {
  it('keeps the trickle flowing, counts the flood exactly and stores a sample of it', async () => {
    const path = `/api/${s.project.projectId}/envelope/?sentry_key=${s.project.publicKey}&sentry_version=7`;
    const trickleSentAt = new Map<string, number>();
    let peakRss = 0;
    const memory = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

    // Watch for the trickle while the flood is still being sent and processed.
    const lags: number[] = [];
    const seen = new Set<string>();
    const poll = async () => {
      const { rows } = await s.pool.query<{ event_id: string }>(
        `SELECT replace(event_id::text, '-', '') AS event_id FROM events WHERE project_id = $1 AND title LIKE 'Trickle%'`,
        [s.project.projectId],
      );
      for (const r of rows)
        if (!seen.has(r.event_id)) {
          seen.add(r.event_id);
          lags.push(Date.now() - (trickleSentAt.get(r.event_id) ?? 0));
        }
      return seen.size === TRICKLE;
    };
    let polling = true;
    const watcher = (async () => {
      while (polling && !(await poll())) await new Promise((r) => setTimeout(r, 100));
    })();

    let next = 0;
    const statuses = new Map<number, number>();
    const sender = async () => {
      for (let n = next++; n < FLOOD; n = next++) {
        const status = await post(path, `{"event_id":"${id(0xf1, n)}"}\n{"type":"event"}\n${FLOOD_BODY}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (n % (FLOOD / TRICKLE) === 0) {
          const t = n / (FLOOD / TRICKLE);
          const eventId = id(0x7a, t);
          trickleSentAt.set(eventId, Date.now());
          expect(
            await post(
              path,
              `{"event_id":"${eventId}"}\n{"type":"event"}\n${eventBody(`Trickle${t}Error`, `other problem ${t}`, `handler${t}`)}`,
            ),
          ).toBe(200);
        }
      }
    };
    const sendStart = Date.now();
    await Promise.all(Array.from({ length: CONNECTIONS }, sender));
    const sendMs = Date.now() - sendStart;
    expect(Object.fromEntries(statuses)).toEqual({ 200: FLOOD });

    // Trickle: all stored, each soon after it was sent (the flood waits in the low-priority lane).
    await waitFor(() => seen.size === TRICKLE, { timeout: 60_000, interval: 100 }).finally(() => (polling = false));
    await watcher;

    // Flood: the exact count, a sample stored, the rest counted in issue_sampling.
    const issue = await waitFor(
      async () => {
        const { rows } = await s.pool.query<{ id: string; event_count: number }>(
          `SELECT id, event_count::int FROM issues WHERE project_id = $1 AND title LIKE 'FloodError%'`,
          [s.project.projectId],
        );
        return rows[0]?.event_count === FLOOD ? rows[0] : null;
      },
      { timeout: 90_000, interval: 250 },
    );
    clearInterval(memory);
    const {
      rows: [stored],
    } = await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE issue_id = $1', [issue.id]);
    const {
      rows: [hourly],
    } = await s.pool.query<{ n: number }>('SELECT sum(count)::int AS n FROM issue_hourly_counts WHERE issue_id = $1', [
      issue.id,
    ]);
    expect(hourly!.n).toBe(FLOOD);
    expect(stored!.n).toBeGreaterThanOrEqual(1000); // the first 1000 of each minute in full
    expect(stored!.n).toBeLessThan(FLOOD / 4);

    const api = await call(s.url, `/api/0/issues/${issue.id}/`, { token: owner.token });
    expect(api.body.count).toBe(String(FLOOD));
    const sampling = await call(s.url, `/api/0/issues/${issue.id}/sampling/`, { token: owner.token });
    expect(sampling.body).toMatchObject({
      active: true,
      sampledEvents: FLOOD - stored!.n,
      eventsPerMinuteThreshold: 1000,
      sampleRate: 0.01,
    });

    const stats = await waitFor(async () => {
      const r = await call(s.url, `/api/0/projects/${s.project.orgSlug}/${s.project.slug}/stats/`, {
        token: owner.token,
      });
      return r.body.totals.accepted + r.body.totals.rate_limited === FLOOD + TRICKLE ? r.body : null;
    });
    expect(stats.totals).toMatchObject({ accepted: stored!.n + TRICKLE, rate_limited: FLOOD - stored!.n });

    lags.sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        flood: FLOOD,
        sendMs,
        stored: stored!.n,
        trickleLagMs: { median: lags[lags.length >> 1], max: lags.at(-1) },
        peakRssMiB: Math.round(peakRss / 2 ** 20),
      }),
    );
    expect(peakRss).toBeLessThan(2 * 1024 ** 3);
  }, 420_000);
});
