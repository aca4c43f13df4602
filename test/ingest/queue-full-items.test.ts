// The queue-full rule holds for every item that would become a queue job, not only events
// (issue 12, item 7): with the process-event queue at QUEUE_MAX_DEPTH, a client report, a
// request counter, a session update, a sessions aggregate and a check-in are each refused as an
// event is: the same 429, the same X-Sentry-Rate-Limits and Retry-After, one `rate_limited`
// / `queue_full` outcome in the item's category, no job. Over UDP each datagram is dropped as
// `queue-full`, as an event datagram is.
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourOf, outcomeField, outcomesKey } from '../../server/src/shared/outcomes/outcome-counter.js';
import { itemCategory } from '../../server/src/shared/outcomes/outcomes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { request, type RawResponse } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const QUEUE_MAX_DEPTH = 5;
let s: TestServer;
let sock: Socket;
let seq = 0;

beforeAll(async () => {
  s = await startTestServer({ ROLE: 'ingest', QUEUE_MAX_DEPTH: String(QUEUE_MAX_DEPTH), UDP_PORT: '0' }); // no worker: queued jobs stay
  sock = createSocket('udp4');
});
afterAll(async () => {
  sock?.close();
  await s?.stop();
});

const nextId = () => (0x9f000000 + ++seq).toString(16).padStart(32, '0');
const now = () => Date.now() / 1000;

/** One item of each kind that becomes a job when the queue has room. */
const ITEMS: Record<string, () => unknown> = {
  event: () => ({ message: `queue full ${seq}`, platform: 'node', level: 'error' }),
  client_report: () => ({
    timestamp: now(),
    discarded_events: [{ reason: 'queue_overflow', category: 'error', quantity: 3 }],
  }),
  faultline_counter: () => ({
    requests: 25,
    interval: 10,
    server_name: 'web-1',
    release: 'shop@1.0.0',
    timestamp: now(),
  }),
  session: () => ({
    sid: crypto.randomUUID(),
    status: 'ok',
    started: new Date().toISOString(),
    attrs: { release: 'shop@1.0.0' },
  }),
  sessions: () => ({
    attrs: { release: 'shop@1.0.0' },
    aggregates: [{ started: new Date().toISOString(), exited: 4 }],
  }),
  check_in: () => ({ check_in_id: crypto.randomUUID().replaceAll('-', ''), monitor_slug: 'nightly', status: 'ok' }),
};

function envelopeBody(types: string[], dsn?: string): string {
  const header = { event_id: nextId(), ...(dsn ? { dsn } : {}) };
  return [
    JSON.stringify(header),
    ...types.flatMap((t) => [JSON.stringify({ type: t }), JSON.stringify(ITEMS[t]!())]),
  ].join('\n');
}
const post = (types: string[]): Promise<RawResponse> =>
  request(`${s.url}/api/${s.project.projectId}/envelope/?sentry_key=${s.project.publicKey}&sentry_version=7`, {
    headers: { 'content-type': 'application/x-sentry-envelope' },
    body: envelopeBody(types),
  });

const jobCount = async () =>
  Object.values(await s.deps.queue.getJobCounts('wait', 'delayed', 'prioritized', 'active')).reduce((a, b) => a + b, 0);
const queueFullField = (type: string) =>
  outcomeField(s.project.projectId, hourOf(Date.now()), itemCategory(type), {
    outcome: 'rate_limited',
    reason: 'queue_full',
  });
const outcomeCounts = async () => s.deps.redis.hgetall(outcomesKey(s.redisPrefix));

describe('a full queue refuses every item kind as it refuses an event', () => {
  let eventRefusal: RawResponse;

  it('fills the queue with events until an event is refused', async () => {
    for (let i = 0; i < QUEUE_MAX_DEPTH; i++) expect((await post(['event'])).status).toBe(200);
    expect(await jobCount()).toBe(QUEUE_MAX_DEPTH);
    // The depth is measured in the background: events sent before it is seen are queued (the overshoot).
    eventRefusal = await waitFor(
      async () => {
        const r = await post(['event']);
        return r.status === 429 ? r : null;
      },
      { message: 'an event refused with 429' },
    );
    expect(eventRefusal.headers['x-sentry-rate-limits']).toBe('10::organization:queue_full');
    expect(eventRefusal.headers['retry-after']).toBe('10');
  });

  it('over HTTP: 429, the same headers and body, one queue_full outcome per item, no job', async () => {
    const kinds = [
      ['event'],
      ...Object.keys(ITEMS)
        .filter((t) => t !== 'event')
        .map((t) => [t]),
      ['event', 'client_report'],
      ['faultline_counter', 'client_report', 'sessions'],
    ];
    const jobsBefore = await jobCount();
    // The counter writes every 250 ms: start from the counts that include the event refused above.
    const before = await waitFor(
      async () => {
        const counts = await outcomeCounts();
        return Number(counts[queueFullField('event')] ?? 0) >= 1 ? counts : null;
      },
      { message: 'the first refusal counted' },
    );
    const expected = new Map<string, number>();
    for (const types of kinds) {
      const r = await post(types);
      expect([types, r.status]).toEqual([types, 429]);
      expect([types, r.headers['x-sentry-rate-limits'], r.headers['retry-after'], r.text]).toEqual([
        types,
        eventRefusal.headers['x-sentry-rate-limits'],
        eventRefusal.headers['retry-after'],
        eventRefusal.text,
      ]);
      for (const t of types) expected.set(queueFullField(t), (expected.get(queueFullField(t)) ?? 0) + 1);
    }
    expect(await jobCount()).toBe(jobsBefore);
    // Exactly these outcomes were added: nothing accepted, no client_discard.
    const delta = async () => {
      const after = await outcomeCounts();
      return Object.fromEntries(
        Object.entries(after)
          .map(([f, n]) => [f, Number(n) - Number(before[f] ?? 0)])
          .filter(([, n]) => n !== 0),
      );
    };
    await waitFor(async () => JSON.stringify(await delta()) === JSON.stringify(Object.fromEntries(expected)), {
      message: 'the queue_full outcomes counted',
    }).catch(() => undefined);
    expect(await delta()).toEqual(Object.fromEntries(expected));
    expect([...expected.keys()].map((f) => f.split('|')[2]).sort()).toEqual(
      ['default', 'error', 'internal', 'monitor', 'session'].sort(),
    ); // the categories really differ
  });

  it('over UDP: every kind is dropped as queue-full, as an event datagram is', async () => {
    const udp = s.running.udp!;
    const dsn = `udp://${s.project.publicKey}@127.0.0.1:${udp.port}/${s.project.projectId}`;
    const jobsBefore = await jobCount();
    for (const t of Object.keys(ITEMS)) {
      const { received, dropped } = udp.stats();
      const full = dropped['queue-full'] ?? 0;
      await new Promise<void>((resolve, reject) =>
        sock.send(envelopeBody([t], dsn), udp.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
      await waitFor(() => udp.stats().received > received && udp.stats().pending === 0, {
        message: `the ${t} datagram handled`,
      });
      expect([t, udp.stats().dropped['queue-full'] ?? 0, udp.stats().received]).toEqual([t, full + 1, received + 1]);
    }
    expect(udp.stats().accepted).toBe(0);
    expect(await jobCount()).toBe(jobsBefore);
  });

  it('takes every kind again once the queue has room', async () => {
    // Room for each kind in turn: ingest re-reads the depth every 100 ms, so seven posts in a row
    // would fill the queue again (QUEUE_MAX_DEPTH is 5) on a slow machine.
    for (const t of Object.keys(ITEMS)) {
      await s.deps.queue.obliterate({ force: true });
      await waitFor(async () => (await post([t])).status === 200, { message: `${t} accepted again` });
    }
  });
});
