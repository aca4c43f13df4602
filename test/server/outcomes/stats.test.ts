// Loss accounting end to end: one project gets every outcome — accepted, filtered (each inbound
// filter and unsupported items), rate_limited (key, project, organization, spike protection,
// queue full), invalid (ingest and worker reasons), internal_error (a job that fails for good)
// and the SDK's own client reports — and the stats API shows each one, before and after the
// worker's flush to Postgres, plus Sentry's stat=received|rejected|blacklisted series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { flushOutcomes } from '../../../server/src/outcomes/flush.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProjectKey } from '../../helpers/factories.js';
import { request, type RawResponse } from '../../helpers/http.js';
import { waitFor } from '../../helpers/wait.js';
import { call } from '../../helpers/api-client.js';
import { createMember, type Member } from '../../helpers/api-factories.js';

const QUEUE_MAX_DEPTH = 40;
let s: TestServer;
let owner: Member;
let seq = 0;

beforeAll(async () => {
  s = await startTestServer({
    ROLE: 'all',
    SPIKE_EVENTS_PER_MINUTE: '3',
    SPIKE_SAMPLE_RATE: '0',
    QUEUE_MAX_DEPTH: String(QUEUE_MAX_DEPTH),
    WORKER_MAX_ATTEMPTS: '1',
  });
  owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
  // Fault injection on the test database: an event titled "poison-pill" cannot be stored.
  await s.pool.query(`ALTER TABLE events ADD CONSTRAINT test_no_poison CHECK (title NOT LIKE '%poison-pill%')`);
});
afterAll(async () => {
  await s?.stop();
});

const api = (path: string) => `/api/0/projects/${s.project.orgSlug}/${s.project.slug}${path}`;
const nextId = () => (0xabc00000 + ++seq).toString(16).padStart(32, '0');

function envelope(
  items: string,
  opts: { key?: string; projectId?: string; header?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const head = JSON.stringify({ event_id: nextId(), ...opts.header });
  return request(
    `${s.url}/api/${opts.projectId ?? s.project.projectId}/envelope/?sentry_key=${opts.key ?? s.project.publicKey}&sentry_version=7`,
    {
      headers: { 'content-type': 'application/x-sentry-envelope', ...opts.headers },
      body: `${head}\n${items}`,
    },
  );
}
const event = (payload: Record<string, unknown>, opts: Parameters<typeof envelope>[1] = {}) =>
  envelope(`{"type":"event"}\n${JSON.stringify({ platform: 'node', level: 'error', ...payload })}`, opts);
const error = (type: string, value: string, extra: Record<string, unknown> = {}) => ({
  exception: {
    values: [
      {
        type,
        value,
        stacktrace: {
          frames: [
            {
              filename: `${type}.js`,
              abs_path: `https://app.example/${type}.js`,
              function: `handle${type}`,
              lineno: 1,
            },
          ],
        },
      },
    ],
  },
  ...extra,
});

interface Group {
  by: { outcome: string; reason: string; category: string };
  totals: { 'sum(quantity)': number };
}
async function stats(): Promise<{ totals: Record<string, number>; groups: Group[] }> {
  const r = await call(s.url, api('/stats/'), { token: owner.token });
  expect(r.status).toBe(200);
  return r.body;
}
const count = (groups: Group[], outcome: string, reason: string, category = 'error') =>
  groups
    .filter((g) => g.by.outcome === outcome && g.by.reason === reason && g.by.category === category)
    .reduce((n, g) => n + g.totals['sum(quantity)'], 0);

describe('stats API: every outcome and reason', () => {
  const expected: Array<[string, string, string, number]> = []; // outcome, reason, category, count

  it('is fed by ingest and the worker', async () => {
    // accepted (errors and a session)
    for (let i = 0; i < 3; i++) expect((await event(error(`Accepted${i}`, 'fine'))).status).toBe(200);
    expect(
      (
        await envelope(
          `{"type":"session"}\n{"sid":"${nextId()}","status":"ok","started":"2026-11-26T02:00:00Z","attrs":{"release":"a@1"}}`,
        )
      ).status,
    ).toBe(200);
    expected.push(['accepted', '', 'session', 1]); // errors: 3 here, more below (checked as a minimum); one issue each, so no spike

    // filtered: every inbound filter, configured through the Sentry-style API
    const put = await call(s.url, api('/filters/'), {
      method: 'PUT',
      token: owner.token,
      body: {
        localhost: true,
        browserExtensions: true,
        webCrawlers: true,
        legacyBrowsers: ['ie'],
        errorMessages: ['*ignore me*'],
        releases: ['old@*'],
        environments: ['staging*'],
      },
    });
    expect(put.status).toBe(200);
    expect(
      (
        await call(s.url, api('/filters/legacy-browsers/'), {
          method: 'PUT',
          token: owner.token,
          body: { subfilters: ['ie', 'safari'] },
        })
      ).status,
    ).toBe(204);
    const filters = (await call(s.url, api('/filters/'), { token: owner.token })).body as Array<{
      id: string;
      active: unknown;
    }>;
    expect(filters.find((f) => f.id === 'legacy-browsers')?.active).toEqual(['ie', 'safari']);
    await event(error('Local', 'from a dev box', { user: { ip_address: '127.0.0.1' } }));
    await event(
      error('TypeError', 'x', {
        exception: {
          values: [
            {
              type: 'TypeError',
              value: 'x',
              stacktrace: { frames: [{ abs_path: 'chrome-extension://abc/inject.js', function: 'g' }] },
            },
          ],
        },
      }),
    );
    await event(
      error('Crawled', 'x', {
        request: { url: 'https://app.example/', headers: { 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1)' } },
      }),
    );
    await event(
      error('Legacy', 'x', {
        request: {
          url: 'https://app.example/',
          headers: { 'User-Agent': 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.0)' },
        },
      }),
    );
    await event(error('Noise', 'please ignore me'));
    await event(error('Old', 'x', { release: 'old@1.0' }));
    await event(error('Staging', 'x', { environment: 'staging-2' }), {
      header: { trace: { environment: 'staging-2', trace_id: 'a'.repeat(32), public_key: s.project.publicKey } },
    });
    await envelope(`{"type":"transaction"}\n{"type":"transaction","spans":[]}`);
    for (const reason of [
      'localhost',
      'browser-extensions',
      'web-crawlers',
      'legacy-browsers',
      'error-message',
      'release-version',
      'environment',
    ])
      expected.push(['filtered', reason, 'error', 1]);
    expected.push(['filtered', 'unsupported-item', 'transaction', 1]);
    await call(s.url, api('/filters/'), {
      method: 'PUT',
      token: owner.token,
      body: {
        localhost: false,
        browserExtensions: false,
        webCrawlers: false,
        legacyBrowsers: [],
        errorMessages: [],
        releases: [],
        environments: [],
      },
    });

    // invalid: at ingest (malformed envelope and store body, oversize, disabled key, project
    // mismatch, events nested too deep) and in the worker (a payload that is not an event)
    expect((await envelope('{"type":"event","length":999}\n{}')).status).toBe(400);
    const store = await request(`${s.url}/api/${s.project.projectId}/store/`, {
      headers: { 'x-sentry-auth': `Sentry sentry_key=${s.project.publicKey}`, 'content-type': 'application/json' },
      body: '{"broken',
    });
    expect(store.status).toBe(400);
    expect((await event({ message: 'x'.repeat(1_100_000) })).status).toBe(413);
    const disabled = await createProjectKey(s.pool, s.project.projectId, { isActive: false });
    expect((await event({ message: 'off' }, { key: disabled.publicKey })).status).toBe(403);
    expect((await event({ message: 'elsewhere' }, { projectId: '999999' })).status).toBe(403);
    expect((await envelope(`{"type":"event"}\n{"extra":${'['.repeat(200)}${']'.repeat(200)}}`)).status).toBe(200);
    expect((await envelope(`{"type":"event"}\n[1,2,3]`)).status).toBe(200);
    expect((await envelope('{"type":"event"}\n{}', { headers: { 'content-encoding': 'x-unknown' } })).status).toBe(415); // refused before the body is read
    expected.push(
      ['invalid', 'invalid-envelope', 'default', 1],
      ['invalid', 'invalid-body', 'error', 1],
      ['invalid', 'too-large', 'error', 1],
      ['invalid', 'unsupported-encoding', 'default', 1],
    );
    expected.push(
      ['invalid', 'disabled-key', 'error', 1],
      ['invalid', 'project-mismatch', 'error', 1],
      ['invalid', 'invalid-event', 'error', 2],
    );

    // rate_limited by spike protection: 3 per minute stored, the rest counted only
    for (let i = 0; i < 5; i++) await event(error('Spike', 'same every time'));
    expected.push(['rate_limited', 'spike_protection', 'error', 2]);

    // internal_error: the poison pill fails in the worker and, with one attempt, is given up on
    await event(error('PoisonPill', 'poison-pill'));
    expected.push(['internal_error', 'processing-failed', 'error', 1]);

    // client reports: what the SDK itself dropped, shown as client_discard
    const report = {
      timestamp: Date.now() / 1000,
      discarded_events: [
        { reason: 'ratelimit_backoff', category: 'error', quantity: 7 },
        { reason: 'queue_overflow', category: 'error', quantity: 2 },
      ],
    };
    const gz = await request(`${s.url}/api/${s.project.projectId}/envelope/?sentry_key=${s.project.publicKey}`, {
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(`{}\n{"type":"client_report"}\n${JSON.stringify(report)}`),
    });
    expect(gz.status).toBe(200);
    expected.push(
      ['client_discard', 'ratelimit_backoff', 'error', 7],
      ['client_discard', 'queue_overflow', 'error', 2],
      ['accepted', '', 'internal', 1],
    );

    // rate_limited by a key limit
    const limited = await call(s.url, api('/keys/'), {
      method: 'POST',
      token: owner.token,
      body: { rateLimit: { window: 3600, count: 0 } },
    });
    expect((await event({ message: 'no room' }, { key: limited.body.public })).status).toBe(429);
    expected.push(['rate_limited', 'key_quota', 'error', 1]);

    // rate_limited because the queue is full (filler jobs wait far in the future)
    const fillers = Array.from({ length: QUEUE_MAX_DEPTH }, (_, i) => ({
      name: 'filler',
      data: {
        v: 1 as const,
        kind: 'client_report' as const,
        projectId: s.project.projectId,
        receivedAt: Date.now(),
        payload: '{}',
      },
      opts: { delay: 3_600_000, jobId: `filler-${i}` },
    }));
    await s.deps.queue.addBulk(fillers);
    const full = await waitFor(async () => {
      const r = await event(error(`QueueFull${++seq}`, 'x'));
      return r.status === 429 ? r : null;
    });
    expect(full.headers['x-sentry-rate-limits']).toBe('10::organization:queue_full');
    expect(full.headers['retry-after']).toBe('10');
    await Promise.all(fillers.map((f) => s.deps.queue.remove(f.opts.jobId)));
    await waitFor(async () => (await event(error(`Drained${++seq}`, 'after the queue drained'))).status === 200);

    // rate_limited by the project quota, then by the organization quota
    await call(s.url, api('/quotas/'), { method: 'PUT', token: owner.token, body: { eventsPerMinute: 1 } });
    await waitFor(async () => (await event(error(`ProjectQuota${++seq}`, 'x'))).status === 429);
    await call(s.url, api('/quotas/'), { method: 'PUT', token: owner.token, body: { eventsPerMinute: 0 } });
    await call(s.url, `/api/0/organizations/${s.project.orgSlug}/quotas/`, {
      method: 'PUT',
      token: owner.token,
      body: { eventsPerHour: 1 },
    });
    await waitFor(async () => (await event(error(`OrgQuota${++seq}`, 'x'))).status === 429);
  });

  it('shows each of them, live and after the flush to Postgres', async () => {
    const check = (body: { groups: Group[] }) => {
      for (const [outcome, reason, category, n] of expected)
        expect([outcome, reason, category, count(body.groups, outcome, reason, category)]).toEqual([
          outcome,
          reason,
          category,
          n,
        ]);
      // Sent until refused (cache invalidation and depth refresh are asynchronous): at least one.
      for (const [outcome, reason] of [
        ['rate_limited', 'queue_full'],
        ['rate_limited', 'project_quota'],
        ['rate_limited', 'org_quota'],
      ]) {
        expect(count(body.groups, outcome!, reason!)).toBeGreaterThanOrEqual(1);
      }
      expect(count(body.groups, 'accepted', '')).toBeGreaterThanOrEqual(3 + 3); // + the stored part of the spike
    };
    // Every job settled (nothing waiting or running) and the buffered counters written: two reads
    // a second apart agree. Until then "accepted" may still grow.
    await waitFor(
      async () =>
        Object.values(await s.deps.queue.getJobCounts('waiting', 'active', 'prioritized')).every((n) => n === 0),
      { timeout: 20_000 },
    );
    let lastMismatch: unknown;
    let previous = '';
    const live = await waitFor(
      async () => {
        const body = await stats();
        try {
          check(body);
          const totals = JSON.stringify(body.totals);
          if (totals !== previous) {
            previous = totals;
            throw new Error(`totals still changing: ${totals}`);
          }
          return body;
        } catch (err) {
          lastMismatch = err;
          return null;
        }
      },
      { timeout: 20_000, interval: 1000 },
    ).catch((err: unknown) => {
      throw new Error(
        `stats never matched: ${String(lastMismatch)} ${JSON.stringify((lastMismatch as { actual?: unknown })?.actual)}`,
        { cause: err },
      );
    });
    check(live);
    expect(Object.keys(live.totals).sort()).toEqual([
      'accepted',
      'client_discard',
      'filtered',
      'internal_error',
      'invalid',
      'rate_limited',
    ]);

    await flushOutcomes({ pool: s.pool, redis: s.deps.redis, prefix: s.redisPrefix, log: s.deps.log });
    const { rows } = await s.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outcome_counts WHERE project_id = $1',
      [s.project.projectId],
    );
    expect(rows[0]!.n).toBeGreaterThan(10);
    const flushed = await stats();
    check(flushed);
    expect(flushed.totals).toEqual(live.totals);
  });

  it('answers Sentry-compatible stat=received|rejected|blacklisted series', async () => {
    const body = await stats();
    const sum = (pairs: Array<[number, number]>) => pairs.reduce((n, [, c]) => n + c, 0);
    const series = async (stat: string) =>
      (await call(s.url, api(`/stats/?stat=${stat}&resolution=1h`), { token: owner.token })).body as Array<
        [number, number]
      >;
    const blacklisted = await series('blacklisted');
    expect(blacklisted.every(([t, c]) => Number.isInteger(t) && Number.isInteger(c))).toBe(true);
    expect(sum(blacklisted)).toBe(7); // the filtered errors (the transaction is not an event)
    expect(sum(await series('rejected'))).toBe(
      ['spike_protection', 'key_quota', 'queue_full', 'project_quota', 'org_quota'].reduce(
        (n, r) => n + count(body.groups, 'rate_limited', r),
        0,
      ),
    );
    expect(sum(await series('received'))).toBeGreaterThan(sum(blacklisted));
  });
});
