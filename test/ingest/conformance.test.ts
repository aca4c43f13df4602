// Conformance of the HTTP ingest endpoints with protocol.md §10: envelope grammar, compression
// (bombs included), size limits, auth forms and CORS, each asserting status and detail, and
// after every test a valid request still succeeds (the process stays up).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createProject, createProjectKey } from '../helpers/factories.js';
import { request, type RawRequest, type RawResponse } from '../helpers/http.js';
import { queuedEvent as findQueuedEvent, queuedItems, type QueuedItem } from '../helpers/queued.js';
import { zstdFrame, zstdRleBomb } from '../helpers/zstd.js';

const MiB = 1024 * 1024;
const ENVELOPE_LIMIT = 4 * MiB;
const OVERSIZE_EVENT =
  "envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)";

let s: TestServer;
let seq = 0;

beforeAll(async () => {
  s = await startTestServer({ MAX_ENVELOPE_BYTES: String(ENVELOPE_LIMIT), TRUST_PROXY: '2' }); // two proxies: the X-Forwarded-For entry before the last counts
});
afterAll(async () => {
  await s?.stop();
});
afterEach(async () => {
  const r = await envelope(`{}\n{"type":"event"}\n{"message":"still up"}`);
  expect(r.status).toBe(200);
});

const brotli = (b: Buffer) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
const hex = (n: number) => n.toString(16).padStart(32, '0');
const nextId = () => hex(0xabc000 + ++seq);

function envelopeUrl(opts: { project?: string; key?: string; query?: string } = {}): string {
  const q =
    opts.query ??
    `sentry_version=7&sentry_key=${opts.key ?? s.project.publicKey}&sentry_client=sentry.javascript.node%2F11.12.0`;
  return `${s.url}/api/${opts.project ?? s.project.projectId}/envelope/${q ? `?${q}` : ''}`;
}

function envelope(body: string | Buffer, req: RawRequest & { url?: string } = {}): Promise<RawResponse> {
  return request(req.url ?? envelopeUrl(), { ...req, body });
}

function store(body: string | Buffer, req: RawRequest & { url?: string } = {}): Promise<RawResponse> {
  const auth = `Sentry sentry_key=${s.project.publicKey}, sentry_version=7, sentry_client=sentry.python/1.9.10`;
  return request(req.url ?? `${s.url}/api/${s.project.projectId}/store/`, {
    ...req,
    headers: { 'x-sentry-auth': auth, 'content-type': 'application/json', ...req.headers },
    body,
  });
}

async function queuedEvent(eventId: string, projectId = s.project.projectId): Promise<QueuedItem | undefined> {
  return findQueuedEvent(s.deps.queue, projectId, eventId);
}

async function auxJobsContaining(marker: string): Promise<QueuedItem[]> {
  const items = await queuedItems(s.deps.queue);
  return items.filter((j) => j.data.kind !== 'event' && j.data.payload.includes(marker));
}

function expectError(r: RawResponse, status: number, detail: string, causes?: string[]): void {
  expect({ status: r.status, body: r.json }).toEqual({ status, body: causes ? { detail, causes } : { detail } });
  expect(r.headers['access-control-allow-origin']).toBe('*');
}

describe('envelope grammar', () => {
  it('accepts explicit lengths with \\r\\n inside an attachment, with and without the final newline', async () => {
    for (const end of ['\n', '']) {
      const id = nextId();
      const event = '{"message":"hello world","level":"error"}';
      const body = `{"event_id":"${id}"}\n{"type":"attachment","length":10,"content_type":"text/plain","filename":"hello.txt"}\n\xef\xbb\xbfHello\r\n\n{"type":"event","length":${event.length}}\n${event}${end}`;
      const r = await envelope(Buffer.from(body, 'latin1'));
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ id });
      expect((await queuedEvent(id))?.data).toMatchObject({ kind: 'event', payload: event, eventId: id });
    }
  });

  it('accepts two empty attachments with and without the final newline', async () => {
    for (const end of ['\n', '']) {
      const id = nextId();
      const r = await envelope(
        `{"event_id":"${id}"}\n{"type":"attachment","length":0}\n\n{"type":"attachment","length":0}${end}`,
      );
      expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: { id } });
    }
  });

  it('ends an implicit-length payload at \\n or at EOF, keeping a trailing \\r', async () => {
    const a = nextId();
    expect((await envelope(`{"event_id":"${a}"}\n{"type":"event"}\n{"message":"a"}\n`)).json).toEqual({ id: a });
    const b = nextId();
    expect((await envelope(`{"event_id":"${b}"}\n{"type":"event"}\n{"message":"b"}`)).json).toEqual({ id: b });
    const c = nextId();
    expect((await envelope(`{"event_id":"${c}"}\n{"type":"event"}\n{"message":"c"}\r\n`)).status).toBe(200);
    expect((await queuedEvent(c))?.data.payload).toBe('{"message":"c"}\r');
  });

  it('accepts header-only envelopes and answers the header event id, or {}', async () => {
    const id = nextId();
    expect((await envelope(`{"event_id":"${id}"}`)).json).toEqual({ id });
    expect((await envelope(`{"event_id":"${id}"}\n`)).json).toEqual({ id });
    const r = await envelope('{}');
    expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: {} });
  });

  it('queues a session item from a {} header envelope as an aux job and answers {}', async () => {
    const sid = `sid-${nextId()}`;
    const r = await envelope(`{}\n{"type":"session"}\n{"sid":"${sid}","status":"ok","attrs":{"release":"shop@1.0"}}`);
    expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: {} });
    const jobs = await auxJobsContaining(sid);
    expect(jobs.map((j) => [j.job.name, j.data.kind, j.data.projectId])).toEqual([
      ['session', 'session', s.project.projectId],
    ]);
  });

  it('queues sessions aggregates and client reports too', async () => {
    const marker = `m-${nextId()}`;
    const body = [
      '{}',
      '{"type":"sessions"}',
      `{"aggregates":[{"started":"2024-01-01T00:00:00Z","exited":1}],"attrs":{"release":"${marker}"}}`,
      '{"type":"client_report"}',
      `{"timestamp":1700000000,"discarded_events":[{"reason":"${marker}","category":"error","quantity":1}]}`,
    ].join('\n');
    expect((await envelope(body)).json).toEqual({});
    const kinds = (await auxJobsContaining(marker)).map((j) => j.data.kind).sort();
    expect(kinds).toEqual(['client_report', 'sessions']);
  });

  it.each([
    [
      'a length too short (next byte not \\n)',
      '{}\n{"type":"attachment","length":3}\nhello\n',
      ['missing newline after header or payload'],
    ],
    ['a length too long', '{}\n{"type":"attachment","length":30}\nhello\n', ['unexpected end of file']],
    ['CRLF after an item header', '{}\n{"type":"event"}\r\n{}', ['missing newline after header or payload']],
    ['CRLF after the envelope header', '{}\r\n{"type":"event"}\n{}', ['missing newline after header or payload']],
    ['a trailing \\n\\n', '{}\n{"type":"event"}\n{}\n\n', ['unexpected end of file']],
    ['trailing spaces after the last item', '{}\n{"type":"event"}\n{}\n  ', ['unexpected end of file']],
    [
      'a leading BOM',
      '\ufeff{}\n{"type":"event"}\n{}',
      ['invalid envelope header', 'expected value at line 1 column 1'],
    ],
    [
      'a header that is an array',
      '[]\n{"type":"event"}\n{}',
      ['invalid envelope header', 'invalid type: sequence, expected struct EnvelopeHeaders'],
    ],
    [
      'a header that is a string',
      '"x"\n{"type":"event"}\n{}',
      ['invalid envelope header', 'invalid type: string "x", expected struct EnvelopeHeaders'],
    ],
    ['invalid header JSON', '{"event_id":}\n', ['invalid envelope header', 'expected value at line 1 column 13']],
    [
      'a duplicate sent_at',
      '{"sent_at":"2024-01-01T00:00:00Z","sent_at":"2024-01-01T00:00:01Z"}\n',
      ['invalid envelope header', 'duplicate field `sent_at` at line 1 column 45'],
    ],
    [
      'an invalid event_id',
      '{"event_id":"not-a-uuid"}\n',
      ['invalid envelope header', 'invalid value for `event_id`: expected a UUID'],
    ],
    ['an item header without type', '{}\n{"length":2}\n{}', ['invalid item header', 'missing field `type`']],
    [
      'a numeric item type',
      '{}\n{"type":1}\n{}',
      ['invalid item header', 'invalid type: number, expected a string for `type`'],
    ],
    [
      'a negative length',
      '{}\n{"type":"attachment","length":-1}\n',
      ['invalid item header', 'invalid value for `length`: expected u32'],
    ],
    ['two event items', '{}\n{"type":"event"}\n{}\n{"type":"event"}\n{}', ['duplicate item of type `event`']],
  ])('rejects %s with 400', async (_name, body, causes) => {
    expectError(await envelope(body), 400, 'invalid event envelope', causes);
  });

  it('answers 400 for an empty body', async () => {
    expectError(await envelope(''), 400, 'empty request body');
  });

  it('accepts a length pointing exactly at EOF, sent_at null and extra header keys', async () => {
    const id = nextId();
    const r = await envelope(
      `{"event_id":"${id}","sent_at":null,"sdk":{"name":"x"},"trace":{"a":1}}\n{"type":"attachment","length":5}\nhello`,
    );
    expect(r.json).toEqual({ id });
  });

  it.each([
    [
      'hyphenated',
      (id: string) => `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
    ],
    ['upper-case', (id: string) => id.toUpperCase()],
  ])('normalizes a %s event_id to 32 lowercase hex', async (_name, format) => {
    const id = nextId().replace(/^0/, 'a');
    const r = await envelope(
      `{"event_id":"${format(id)}"}\n{"type":"event"}\n{"event_id":"ffffffffffffffffffffffffffffffff"}`,
    );
    expect(r.json).toEqual({ id });
    expect((await queuedEvent(id))?.data.kind).toBe('event');
  });

  it('assigns a fresh id for the nil UUID or a missing event_id', async () => {
    for (const head of ['{"event_id":"00000000-0000-0000-0000-000000000000"}', '{}']) {
      const r = await envelope(`${head}\n{"type":"event"}\n{"message":"x"}`);
      const id = (r.json as { id: string }).id;
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(id).not.toBe('0'.repeat(32));
      expect((await queuedEvent(id))?.data).toMatchObject({ kind: 'event', eventId: id });
    }
  });

  it('skips unknown item types with 200', async () => {
    expect((await envelope('{}\n{"type":"what_is_this"}\n\x00\x01')).json).toEqual({});
    const id = nextId();
    expect((await envelope(`{"event_id":"${id}"}\n{"type":"statsd"}\nfoo:1|c`)).json).toEqual({ id });
  });

  it('queues only the event of an event + transaction envelope', async () => {
    const id = nextId();
    const r = await envelope(
      `{"event_id":"${id}"}\n{"type":"transaction"}\n{"type":"transaction"}\n{"type":"event"}\n{"message":"e"}`,
    );
    expect(r.json).toEqual({ id });
    expect((await queuedEvent(id))?.data.payload).toBe('{"message":"e"}');
  });

  it('accepts a malformed event payload inside a valid envelope (dropped later by the worker)', async () => {
    const id = nextId();
    const r = await envelope(`{"event_id":"${id}"}\n{"type":"event"}\n{not json at all`);
    expect(r.json).toEqual({ id });
    expect((await queuedEvent(id))?.data.payload).toBe('{not json at all');
  });

  it('answers 413 for 101 session items and for 31 attachments', async () => {
    const sessions = ['{}', ...Array.from({ length: 101 }, () => '{"type":"session"}\n{"sid":"x"}')].join('\n');
    expectError(
      await envelope(sessions),
      413,
      "envelope exceeded size limits for type 'session' (https://develop.sentry.dev/sdk/envelopes/#size-limits)",
    );
    const attachments = [
      `{"event_id":"${nextId()}"}`,
      ...Array.from({ length: 31 }, () => '{"type":"attachment","length":1}\na'),
    ].join('\n');
    expectError(
      await envelope(attachments),
      413,
      "envelope exceeded size limits for type 'attachment' (https://develop.sentry.dev/sdk/envelopes/#size-limits)",
    );
  });

  it('answers 400 when the envelope origin differs from the request Origin', async () => {
    const body = '{"origin":"http://evil.example/"}\n{"type":"event"}\n{}';
    expectError(await envelope(body, { headers: { origin: 'http://shop.example' } }), 400, 'invalid event envelope', [
      'origin header mismatch between envelope and request',
    ]);
    expect(
      (await envelope('{"origin":"http://shop.example/"}', { headers: { origin: 'http://shop.example' } })).status,
    ).toBe(200);
  });
});

describe('envelope dsn auth', () => {
  it('authenticates with the envelope header dsn alone (tunnel)', async () => {
    const id = nextId();
    const r = await envelope(`{"event_id":"${id}","dsn":"${s.project.dsn}"}\n{"type":"event"}\n{}`, {
      url: `${s.url}/api/${s.project.projectId}/envelope/`,
    });
    expect(r.json).toEqual({ id });
  });

  it('answers 401 when neither the request nor the envelope carries auth', async () => {
    const url = `${s.url}/api/${s.project.projectId}/envelope/`;
    expectError(await envelope('{}\n{"type":"event"}\n{}', { url }), 401, 'bad envelope authentication header', [
      'missing field `dsn`',
    ]);
    expectError(await envelope('', { url }), 401, 'bad envelope authentication header', ['EOF while parsing a value']);
    expectError(await envelope('nope', { url }), 401, 'bad envelope authentication header', [
      'expected value at line 1 column 1',
    ]);
  });

  it('answers 400 when the envelope dsn disagrees with the request key or project', async () => {
    const other = await createProject(s.pool, { baseUrl: s.url });
    expectError(await envelope(`{"dsn":"${other.dsn}"}`), 400, 'invalid event envelope', [
      'project id header mismatch between envelope and request',
    ]);
    const sameProjectOtherKey = s.project.dsn.replace(s.project.publicKey, other.publicKey);
    expectError(await envelope(`{"dsn":"${sameProjectOtherKey}"}`), 400, 'invalid event envelope', [
      'public key header mismatch between envelope and request',
    ]);
  });
});

describe('compression', () => {
  const event = (id: string) => `{"event_id":"${id}"}\n{"type":"event"}\n{"message":"compressed"}`;
  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotli],
    ['zstd', (b: Buffer) => zstdFrame(b)],
    ['', (b: Buffer) => b],
    ['UTF-8', (b: Buffer) => b],
  ] as const)('accepts Content-Encoding %j on envelope and store', async (encoding, compress) => {
    const id = nextId();
    const r = await envelope(compress(Buffer.from(event(id))), { headers: { 'content-encoding': encoding } });
    expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: { id } });
    const sid = nextId();
    const st = await store(compress(Buffer.from(`{"event_id":"${sid}","message":"m"}`)), {
      headers: { 'content-encoding': encoding },
    });
    expect({ status: st.status, body: st.json }).toEqual({ status: 200, body: { id: sid } });
    expect((await queuedEvent(sid))?.data.payload).toBe(`{"event_id":"${sid}","message":"m"}`);
  });

  it('accepts a chunked gzip body without Content-Length (Node SDK > 32 KiB)', async () => {
    const id = nextId();
    const big = `{"event_id":"${id}"}\n{"type":"event"}\n{"extra":"${'x'.repeat(200_000)}"}`;
    const r = await envelope(gzipSync(Buffer.from(big)), { headers: { 'content-encoding': 'gzip' }, chunkSize: 1000 });
    expect(r.json).toEqual({ id });
  });

  it('answers 400 with the decoder error for a corrupt gzip stream', async () => {
    const gz = gzipSync(Buffer.from(event(nextId())));
    gz[12] = gz[12]! ^ 0xff;
    const r = await envelope(gz, { headers: { 'content-encoding': 'gzip' } });
    expect(r.status).toBe(400);
    expect((r.json as { detail: string }).detail).toBe('invalid request body');
    expect((r.json as { causes: string[] }).causes).toHaveLength(1);
    expectError(
      await envelope(Buffer.from('not gzip at all'), { headers: { 'content-encoding': 'gzip' } }),
      400,
      'invalid request body',
      ['incorrect header check'],
    );
  });

  it('answers 400 empty request body for an empty gzip-declared body', async () => {
    expectError(await envelope('', { headers: { 'content-encoding': 'gzip' } }), 400, 'empty request body');
  });

  it('answers 415 for an unknown Content-Encoding', async () => {
    expectError(
      await envelope(event(nextId()), { headers: { 'content-encoding': 'compress' } }),
      415,
      'unsupported content encoding',
      ['compress'],
    );
  });

  it('accepts legacy base64 and base64+zlib store bodies', async () => {
    const a = nextId();
    expect((await store(Buffer.from(`{"event_id":"${a}"}`).toString('base64'))).json).toEqual({ id: a });
    const b = nextId();
    expect((await store(deflateSync(Buffer.from(`{"event_id":"${b}"}`)).toString('base64'))).json).toEqual({ id: b });
    expectError(await store('%%% not base64 %%%'), 400, 'invalid request body', ['body is neither JSON nor base64']);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotli],
    ['zstd', () => zstdRleBomb(64)],
  ] as const)('cuts a %s bomb off at the limit with 413', async (encoding, compress) => {
    const bomb = compress(Buffer.alloc(8 * MiB));
    expect(bomb.length).toBeLessThan(MiB);
    const r = await envelope(bomb, { headers: { 'content-encoding': encoding } });
    expectError(
      r,
      413,
      `request body exceeds the size limit of ${ENVELOPE_LIMIT} bytes (measured after decompression)`,
    );
    const st = await store(bomb, { headers: { 'content-encoding': encoding } });
    expectError(st, 413, `request body exceeds the size limit of ${MiB} bytes (measured after decompression)`);
  });
});

describe('size limits', () => {
  it('answers 413 with the Relay detail for an event item of 1 MiB + 1 byte, 200 at exactly 1 MiB', async () => {
    const payload = (n: number) => `{"m":"${'x'.repeat(n - 8)}"}`;
    expect(payload(MiB + 1)).toHaveLength(MiB + 1);
    expectError(await envelope(`{}\n{"type":"event"}\n${payload(MiB + 1)}`), 413, OVERSIZE_EVENT);
    expect((await envelope(`{}\n{"type":"event"}\n${payload(MiB)}`)).status).toBe(200);
  });

  it('answers 413 for a store body over 1 MiB', async () => {
    const r = await store(`{"m":"${'x'.repeat(MiB)}"}`);
    expectError(r, 413, `request body exceeds the size limit of ${MiB} bytes (measured after decompression)`);
  });

  it('answers 413 from Content-Length before reading a huge body', async () => {
    const r = await envelope('{}', { headers: { 'content-length': 100 * MiB } });
    expectError(
      r,
      413,
      `request body exceeds the size limit of ${ENVELOPE_LIMIT} bytes (measured after decompression)`,
    );
  });

  it('answers 413 mid-stream for a chunked body over the envelope limit', async () => {
    const r = await envelope(Buffer.alloc(ENVELOPE_LIMIT + 100, 0x61), { chunkSize: 256 * 1024 });
    expect(r.status).toBe(413);
  });

  it('rejects JSON nested deeper than 128 levels on /store/ but accepts 128', async () => {
    const nested = (n: number) => `{"event_id":"${nextId()}","extra":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
    expectError(await store(nested(129)), 400, 'invalid request body', ['recursion limit exceeded']);
    expect((await store(nested(128))).status).toBe(200);
    const id = nextId();
    expect((await envelope(`{"event_id":"${id}"}\n{"type":"event"}\n${nested(500)}`)).json).toEqual({ id });
  });

  it('answers 400 invalid request body for a store body that is not JSON', async () => {
    const r = await store('{"event_id": nope}');
    expect({ status: r.status, detail: (r.json as { detail: string }).detail }).toEqual({
      status: 400,
      detail: 'invalid request body',
    });
    expectError(await store('[1,2]'), 400, 'invalid request body', ['body is neither JSON nor base64']);
    expectError(
      await store(gzipSync('[1,2]'), { headers: { 'content-encoding': 'gzip' } }),
      400,
      'invalid request body',
      ['the event must be a JSON object'],
    );
    expectError(await store(''), 400, 'empty request body');
  });
});

describe('auth', () => {
  const storeUrl = () => `${s.url}/api/${s.project.projectId}/store/`;
  const body = () => `{"event_id":"${nextId()}"}`;
  const post = (headers: Record<string, string>, url = storeUrl(), b = body()) => request(url, { headers, body: b });

  it('answers 401 without any auth and for X-Sentry-Auth without the "Sentry " prefix', async () => {
    expectError(await post({}), 401, 'missing authorization information');
    expectError(
      await post({ 'x-sentry-auth': `sentry_key=${s.project.publicKey}` }),
      401,
      'missing authorization information',
    );
    expectError(
      await post({ authorization: `Bearer ${s.project.publicKey}` }),
      401,
      'missing authorization information',
    );
  });

  it('answers 401 for auth in both the header and the query', async () => {
    const r = await post(
      { 'x-sentry-auth': `Sentry sentry_key=${s.project.publicKey}` },
      `${storeUrl()}?sentry_key=${s.project.publicKey}`,
    );
    expectError(r, 401, 'multiple authorization payloads detected');
  });

  it('answers 401 for an unparsable auth header', async () => {
    expectError(await post({ 'x-sentry-auth': 'Sentry sentry_version=7' }), 401, 'bad x-sentry-auth header', [
      'missing public key in auth header',
    ]);
    expectError(
      await post({ 'x-sentry-auth': `Sentry sentry_key=${s.project.publicKey}, sentry_version=x` }),
      401,
      'bad x-sentry-auth header',
      ['invalid value for version'],
    );
    expectError(await post({}, `${storeUrl()}?sentry_version=7`), 401, 'bad x-sentry-auth header', [
      'missing public key in auth header',
    ]);
  });

  it.each([
    [
      'lowercase prefix and extra spaces',
      (k: string) => ({
        'x-sentry-auth': `sentry   sentry_key = ${k} ,  sentry_version = 7.0 , sentry_client=raven/1`,
      }),
    ],
    ['Authorization: Sentry', (k: string) => ({ authorization: `Sentry sentry_key=${k}, sentry_version=7` })],
    ['Authorization: Basic', (k: string) => ({ authorization: `Basic ${Buffer.from(`${k}:`).toString('base64')}` })],
    [
      'a DSN secret',
      (k: string) => ({ 'x-sentry-auth': `Sentry sentry_key=${k}, sentry_secret=${'f'.repeat(32)}, sentry_version=7` }),
    ],
    ['a .no-cache key flag', (k: string) => ({ 'x-sentry-auth': `Sentry sentry_key=${k}.no-cache, sentry_version=7` })],
  ])('accepts %s', async (_name, headers) => {
    const r = await post(headers(s.project.publicKey));
    expect(r.status).toBe(200);
  });

  it('accepts the key in the query with a sentry_client containing a slash, and records the client', async () => {
    const id = nextId();
    const q = `sentry_key=${s.project.publicKey}&sentry_version=7&sentry_client=sentry.javascript.browser%2F11.12.0`;
    const r = await post({}, `${storeUrl()}?${q}`, `{"event_id":"${id}"}`);
    expect(r.json).toEqual({ id });
    expect((await queuedEvent(id))?.data).toMatchObject({
      meta: { sdk: 'sentry.javascript.browser/11.12.0', endpoint: 'store', keyId: s.project.keyId },
    });
  });

  it('answers 400 for sentry_version 8, a key of the wrong length and a non-numeric project id', async () => {
    expectError(
      await post({ 'x-sentry-auth': `Sentry sentry_key=${s.project.publicKey}, sentry_version=8` }),
      400,
      'unsupported protocol version (8)',
    );
    expectError(
      await post({ 'x-sentry-auth': 'Sentry sentry_key=abc, sentry_version=7' }),
      400,
      'bad sentry DSN public key',
      ['invalid project key'],
    );
    const r = await post({ 'x-sentry-auth': `Sentry sentry_key=${s.project.publicKey}` }, `${s.url}/api/web/store/`);
    expectError(r, 400, 'bad project path parameter');
  });

  it("answers 403 for an unknown key, a disabled key and a project id that is not the key's", async () => {
    const rejected = 'event submission rejected with_reason: ProjectId';
    expectError(await post({ 'x-sentry-auth': `Sentry sentry_key=${'e'.repeat(32)}` }), 403, rejected);
    const disabled = await createProjectKey(s.pool, s.project.projectId, { isActive: false });
    expectError(await post({ 'x-sentry-auth': `Sentry sentry_key=${disabled.publicKey}` }), 403, rejected);
    const other = await createProject(s.pool);
    expectError(await post({ 'x-sentry-auth': `Sentry sentry_key=${other.publicKey}` }), 403, rejected);
    expectError(await envelope('{}', { url: envelopeUrl({ key: other.publicKey }) }), 403, rejected);
  });

  it('serves /api/store/ without a project id, taking the project from the key', async () => {
    const other = await createProject(s.pool);
    const id = nextId();
    const r = await post(
      { 'x-sentry-auth': `Sentry sentry_key=${other.publicKey}` },
      `${s.url}/api/store/`,
      `{"event_id":"${id}"}`,
    );
    expect(r.json).toEqual({ id });
    expect((await queuedEvent(id, other.projectId))?.data.projectId).toBe(other.projectId);
  });

  it('parses store bodies sent with Content-Type application/x-sentry-envelope as envelopes', async () => {
    const id = nextId();
    const r = await post(
      { 'x-sentry-auth': `Sentry sentry_key=${s.project.publicKey}`, 'content-type': 'application/x-sentry-envelope' },
      storeUrl(),
      `{"event_id":"${id}"}\n{"type":"event"}\n{}`,
    );
    expect(r.json).toEqual({ id });
  });

  it('answers a GIF for GET /store/ with sentry_data', async () => {
    const id = nextId();
    const data = encodeURIComponent(`{"event_id":"${id}","message":"pixel"}`);
    const r = await request(`${storeUrl()}?sentry_key=${s.project.publicKey}&sentry_version=7&sentry_data=${data}`, {
      method: 'GET',
    });
    expect({ status: r.status, type: r.headers['content-type'] }).toEqual({ status: 200, type: 'image/gif' });
    expect((await queuedEvent(id))?.data.payload).toBe(`{"event_id":"${id}","message":"pixel"}`);
  });
});

describe('paths, CORS and client address', () => {
  it.each([
    ['without trailing slash', (p: string) => `/api/${p}/envelope`],
    ['with doubled slashes', (p: string) => `//api//${p}//envelope//`],
  ])('routes envelope paths %s', async (_name, path) => {
    const id = nextId();
    const r = await envelope(`{"event_id":"${id}"}`, {
      url: `${s.url}${path(s.project.projectId)}?sentry_key=${s.project.publicKey}`,
    });
    expect(r.json).toEqual({ id });
  });

  it('answers the preflight with the allowed headers', async () => {
    const r = await request(envelopeUrl(), {
      method: 'OPTIONS',
      headers: {
        origin: 'http://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-sentry-auth',
      },
    });
    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      'access-control-max-age': '3600',
      'cross-origin-resource-policy': 'cross-origin',
    });
    expect(r.headers['access-control-allow-headers']).toContain('x-sentry-auth');
    expect(r.headers['access-control-allow-headers']).toContain('content-type');
  });

  it('sends CORS and CORP headers on 200, 400, 401 and 413 answers', async () => {
    const headers = { origin: 'http://shop.example', 'content-type': 'text/plain;charset=UTF-8' };
    const answers = await Promise.all([
      envelope('{}', { headers }),
      envelope('[]', { headers }),
      envelope('{}', { headers, url: `${s.url}/api/${s.project.projectId}/envelope/` }),
      envelope('{}', { headers: { ...headers, 'content-length': 100 * MiB } }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 400, 401, 413]);
    for (const r of answers) {
      expect(r.headers['access-control-allow-origin']).toBe('*');
      expect(r.headers['access-control-expose-headers']).toBe('x-sentry-error, x-sentry-rate-limits, retry-after');
      expect(r.headers['cross-origin-resource-policy']).toBe('cross-origin');
    }
  });

  it('takes the client address from X-Sentry-Forwarded-For, else X-Forwarded-For', async () => {
    const a = nextId();
    await envelope(`{"event_id":"${a}"}\n{"type":"event"}\n{}`, {
      headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.1', 'user-agent': 'ua/1' },
    });
    expect((await queuedEvent(a))?.data).toMatchObject({
      meta: { clientIp: '203.0.113.7', userAgent: 'ua/1', endpoint: 'envelope' },
    });
    const b = nextId();
    await envelope(`{"event_id":"${b}"}\n{"type":"event"}\n{}`, {
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-sentry-forwarded-for': '198.51.100.9' },
    });
    expect((await queuedEvent(b))?.data).toMatchObject({ meta: { clientIp: '198.51.100.9' } });
    const c = nextId();
    await envelope(`{"event_id":"${c}"}\n{"type":"event"}\n{}`);
    expect((await queuedEvent(c))?.data).toMatchObject({ meta: { clientIp: '127.0.0.1' } });
  });

  it('coalesces concurrent requests and answers each one with its own id', async () => {
    const ids = Array.from({ length: 40 }, () => nextId());
    const answers = await Promise.all(ids.map((id) => envelope(`{"event_id":"${id}"}\n{"type":"event"}\n{}`)));
    expect(answers.map((r) => r.json)).toEqual(ids.map((id) => ({ id })));
    const jobs = await Promise.all(ids.map((id) => queuedEvent(id)));
    expect(jobs.every((j) => j !== undefined)).toBe(true);
  });
});
