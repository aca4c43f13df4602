// The client against a recording HTTP server: event shape, scope, drops counted by reason,
// and delivery when the server is slow, down or rate limiting.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, createScopeStack, type Client, type Options } from '../../client-sdk/src/index.js';
import { waitFor } from '../helpers/wait.js';
import { countersOf, discarded, eventsOf, startHttpRecorder, type HttpRecorder } from '../helpers/sdk-recorder.js';

let server: HttpRecorder;
let client: Client | undefined;

beforeEach(async () => {
  server = await startHttpRecorder();
});
afterEach(async () => {
  await client?.close(0);
  client = undefined;
  await server.close();
});

/** Sessions off unless asked: these tests count event envelopes (sessions have their own tests). */
function start(options: Partial<Options> = {}): Client {
  client = createClient(
    { dsn: server.dsn, release: 'shop@1.4.2', serverName: 'web-1', autoSessionTracking: false, ...options },
    createScopeStack(),
  );
  return client;
}

describe('sessions', () => {
  const sessionsOf = () =>
    server
      .envelopes()
      .flatMap((e) =>
        e.items.filter((i) => i[0].type === 'session').map((i) => i[1] as unknown as Record<string, unknown>),
      );

  it('sends one session per process: init, an update on the first error, exited at close', async () => {
    const c = start({ autoSessionTracking: true });
    c.captureException(new Error('card declined'));
    c.captureException(new Error('card declined again'));
    await c.close(2000);
    client = undefined;
    const updates = sessionsOf();
    expect(updates.map((u) => [u.init, u.seq, u.status, u.errors])).toEqual([
      [true, 0, 'ok', 0],
      [false, 1, 'ok', 1],
      [false, 2, 'exited', 2],
    ]);
    expect(new Set(updates.map((u) => u.sid)).size).toBe(1);
    expect(updates[0]).toMatchObject({
      attrs: { release: 'shop@1.4.2', environment: 'production' },
      duration: expect.any(Number),
    });
  });

  it('marks an unhandled fatal error as crashed and sends nothing without a release', async () => {
    const c = start({ autoSessionTracking: true });
    c.captureException(new Error('boom'), { level: 'fatal' }, { type: 'onuncaughtexception', handled: false });
    await c.close(2000);
    expect(sessionsOf().map((u) => u.status)).toEqual(['ok', 'crashed', 'crashed']);
    const before = sessionsOf().length;
    client = createClient({ dsn: server.dsn, autoSessionTracking: true }, createScopeStack());
    await client.close(2000);
    client = undefined;
    expect(sessionsOf().length).toBe(before);
  });
});

describe('events', () => {
  it('sends a handled exception with scope data, defaults and the protocol fields', async () => {
    const c = start({ environment: 'staging' });
    c.addBreadcrumb({ category: 'http', message: 'GET /cart' });
    const id = c.captureException(new Error('card declined'), {
      tags: { region: 'eu' },
      user: { id: '42' },
      extra: { order: 981 },
    });
    expect(await c.flush(2000)).toBe(true);

    expect(server.requests[0]?.url).toBe(
      `/api/7/envelope/?sentry_key=${server.dsn.slice(7, 39)}&sentry_version=7&sentry_client=faultline.javascript%2F0.1.0`,
    );
    const [event] = eventsOf(server.envelopes());
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(event).toMatchObject({
      event_id: id,
      level: 'error',
      platform: 'node',
      release: 'shop@1.4.2',
      environment: 'staging',
      server_name: 'web-1',
      sdk: { name: 'faultline.javascript', version: '0.1.0' },
      tags: { region: 'eu' },
      user: { id: '42' },
      extra: { order: 981 },
      breadcrumbs: [{ category: 'http', message: 'GET /cart' }],
      contexts: { runtime: { name: 'node', version: process.version }, os: { name: expect.any(String) } },
    });
    expect(server.envelopes()[0]?.header.event_id).toBe(id);
    expect(event?.timestamp).toBeGreaterThan(1.7e9);
    expect(event?.timestamp).toBeLessThan(1e10);
    const exception = event?.exception?.values[0];
    expect(exception).toMatchObject({
      type: 'Error',
      value: 'card declined',
      mechanism: { type: 'generic', handled: true },
    });
    const top = exception?.stacktrace?.frames.at(-1);
    expect(top).toMatchObject({ in_app: true, module: 'test.client-sdk:client.test' });
    expect(top?.context_line).toContain("new Error('card declined')");
  });

  it('sends messages at level info unless told otherwise', async () => {
    const c = start();
    c.captureMessage('cache warmed');
    c.captureMessage('disk almost full', 'warning');
    await c.flush(2000);
    expect(eventsOf(server.envelopes()).map((e) => [e.message, e.level])).toEqual([
      ['cache warmed', 'info'],
      ['disk almost full', 'warning'],
    ]);
  });

  it('keeps at most maxBreadcrumbs, the newest', async () => {
    const c = start({ maxBreadcrumbs: 3 });
    for (let i = 0; i < 10; i++) c.addBreadcrumb({ message: `step ${i}` });
    c.captureMessage('done');
    await c.flush(2000);
    expect(eventsOf(server.envelopes())[0]?.breadcrumbs?.map((b) => b.message)).toEqual(['step 7', 'step 8', 'step 9']);
  });

  it('applies a forked scope only inside withScope', async () => {
    const scopes = createScopeStack();
    client = createClient({ dsn: server.dsn }, scopes);
    scopes.getScope().setTag('app', 'shop').setUser({ id: '1' });
    scopes.withScope((scope) => {
      scope.setTag('job', 'sync').setFingerprint(['sync-failure']).setLevel('warning').setContext('job', { id: 7 });
      client?.captureException(new Error('inside'));
    });
    client.captureException(new Error('outside'));
    await client.flush(2000);
    const [inside, outside] = eventsOf(server.envelopes());
    expect(inside).toMatchObject({
      tags: { app: 'shop', job: 'sync' },
      fingerprint: ['sync-failure'],
      level: 'warning',
      contexts: { job: { id: 7 } },
    });
    expect(outside?.tags).toEqual({ app: 'shop' });
    expect(outside?.fingerprint).toBeUndefined();
    expect(outside?.user).toEqual({ id: '1' });
  });

  it('lets beforeSend change or drop events, and survives a throwing or circular beforeSend', async () => {
    const c = start({
      beforeSend: async (event) => {
        if (event.message === 'drop me') return null;
        if (event.message === 'throw') throw new Error('bug in beforeSend');
        if (event.message === 'circular') {
          const extra: Record<string, unknown> = {};
          extra.self = extra;
          return { ...event, extra };
        }
        return { ...event, tags: { ...event.tags, scrubbed: true } };
      },
    });
    c.captureMessage('keep me');
    c.captureMessage('drop me');
    c.captureMessage('throw');
    c.captureMessage('circular');
    await c.flush(2000);
    expect(eventsOf(server.envelopes()).map((e) => [e.message, e.tags])).toEqual([['keep me', { scrubbed: true }]]);
    expect(discarded(server.envelopes())).toEqual({ 'before_send:error': 2, 'send_error:error': 1 });
  });

  it('counts sampled-out and duplicate events in a client report', async () => {
    const sampled = start({ sampleRate: 0 });
    sampled.captureMessage('never sent');
    await sampled.close(2000);
    client = start();
    const error = new Error('twice');
    client.captureException(error);
    client.captureException(error);
    client.captureMessage('again');
    client.captureMessage('again');
    await client.flush(2000);
    expect(eventsOf(server.envelopes()).map((e) => e.message ?? e.exception?.values[0]?.value)).toEqual([
      'twice',
      'again',
    ]);
    expect(discarded(server.envelopes())).toEqual({ 'sample_rate:error': 1, 'event_processor:error': 1 });
  });

  it('does nothing without a DSN or with an invalid one', async () => {
    for (const dsn of [undefined, 'nonsense']) {
      const c = createClient({ ...(dsn ? { dsn } : {}) });
      expect(c.isEnabled()).toBe(false);
      expect(c.captureException(new Error('x'))).toMatch(/^[0-9a-f]{32}$/);
      expect(await c.flush(100)).toBe(true);
      await c.close(0);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('request counter', () => {
  it('sends accumulated requests as a faultline_counter item on flush', async () => {
    const c = start({ environment: 'production' });
    c.recordRequest();
    c.recordRequest(4);
    await c.flush(2000);
    c.recordRequest(0);
    await c.flush(2000);
    const counters = countersOf(server.envelopes());
    expect(counters).toEqual([
      {
        requests: 5,
        interval: expect.any(Number),
        server_name: 'web-1',
        release: 'shop@1.4.2',
        environment: 'production',
        timestamp: expect.any(Number),
      },
    ]);
  });
});

describe('delivery problems', () => {
  it('survives a server that is down and reports the loss once it is back', async () => {
    const c = start();
    await server.stop();
    expect(() => c.captureException(new Error('while down 1'))).not.toThrow();
    c.captureException(new Error('while down 2'));
    expect(await c.flush(2000)).toBe(true);
    await server.start();
    c.captureMessage('back');
    await c.flush(2000);
    expect(eventsOf(server.envelopes()).map((e) => e.message)).toEqual(['back']);
    expect(discarded(server.envelopes())).toEqual({ 'network_error:error': 2 });
  });

  it('returns false from flush when the server does not answer within the timeout', async () => {
    server.behave({ kind: 'hang' });
    const c = start();
    c.captureMessage('stuck');
    expect(await c.flush(150)).toBe(false);
  });

  it('drops what does not fit in the buffer as queue_overflow', async () => {
    server.behave({ kind: 'hang' });
    const c = start({ bufferSize: 2 });
    for (let i = 0; i < 5; i++) c.captureMessage(`m${i}`);
    await waitFor(() => server.requests.length === 2);
    // Going down fails the two hanging requests; their report cannot be sent either and is kept.
    await server.stop();
    expect(await c.flush(2000)).toBe(true);
    server.behave({ kind: 'ok' });
    await server.start();
    await c.flush(2000);
    expect(discarded(server.envelopes())).toEqual({ 'queue_overflow:error': 3, 'network_error:error': 2 });
  });

  it('backs off after a 429 and reports the events it held back', async () => {
    server.behave({
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '60', 'x-sentry-rate-limits': '0.3:error:key' },
    });
    const c = start();
    c.captureMessage('refused');
    await c.flush(2000);
    server.behave({ kind: 'ok' });
    c.captureMessage('held back 1');
    c.captureMessage('held back 2');
    await c.flush(2000);
    // Only errors are limited: the client report goes out, the held-back events do not.
    expect(eventsOf(server.envelopes()).map((e) => e.message)).toEqual(['refused']);
    expect(discarded(server.envelopes())).toEqual({ 'ratelimit_backoff:error': 2 });
    // The limit lasts 0.3 s (X-Sentry-Rate-Limits wins over Retry-After); poll until events get through.
    let n = 0;
    await waitFor(async () => {
      c.captureMessage(`retry ${n++}`);
      await c.flush(2000);
      return eventsOf(server.envelopes()).some((e) => e.message?.startsWith('retry'));
    });
    expect(discarded(server.envelopes())).toEqual({ 'ratelimit_backoff:error': 2 + n - 1 });
  });

  it('keeps client reports while everything is rate limited and sends them when the limit ends', async () => {
    server.behave({ kind: 'status', status: 429, headers: { 'x-sentry-rate-limits': '0.3::organization' } });
    const c = start();
    c.captureMessage('refused');
    await c.flush(2000);
    server.behave({ kind: 'ok' });
    c.captureMessage('held back');
    await c.flush(2000);
    expect(server.requests).toHaveLength(1);
    await waitFor(async () => {
      await c.flush(2000);
      return server.requests.length > 1;
    });
    expect(discarded(server.envelopes())).toEqual({ 'ratelimit_backoff:error': 1 });
  });

  it('counts an event the server rejects as send_error', async () => {
    server.behave({ kind: 'status', status: 400 });
    const c = start();
    c.captureMessage('rejected');
    await c.flush(2000);
    server.behave({ kind: 'ok' });
    c.captureMessage('accepted');
    await c.flush(2000);
    expect(discarded(server.envelopes())).toEqual({ 'send_error:error': 1 });
  });
});

describe('feature flags', () => {
  it("addFeatureFlag: events carry the scope's last 100 boolean evaluations in contexts.flags, newest last", async () => {
    const stack = createScopeStack();
    client = createClient({ dsn: server.dsn, release: 'shop@1.4.2' }, stack);
    const scope = stack.getScope();
    for (let i = 0; i < 150; i++) scope.addFeatureFlag(`flag-${i}`, i % 2 === 0);
    scope.addFeatureFlag('flag-120', false); // re-evaluated: moves to the end with its new result
    scope.addFeatureFlag('not-boolean', 'on' as unknown as boolean);
    stack.withScope((s) => {
      s.addFeatureFlag('only-in-fork', true);
      client!.captureException(new Error('with flags'));
    });
    client.captureException(new Error('without the fork flag'));
    expect(await client.flush(2000)).toBe(true);
    const [forked, plain] = eventsOf(server.envelopes()) as Array<{
      contexts: { flags: { values: Array<{ flag: string; result: boolean }> } };
    }>;
    const values = forked!.contexts.flags.values;
    expect(values).toHaveLength(100);
    expect(values.at(-1)).toEqual({ flag: 'only-in-fork', result: true });
    expect(values.at(-2)).toEqual({ flag: 'flag-120', result: false });
    expect(values.some((v) => v.flag === 'not-boolean')).toBe(false);
    expect(plain!.contexts.flags.values.some((v) => v.flag === 'only-in-fork')).toBe(false);
  });
});
