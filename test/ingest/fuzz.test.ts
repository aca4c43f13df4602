// Property tests of the pure ingest parsers: arbitrary bytes never throw, well-formed envelopes
// round-trip, and the header JSON reader agrees with JSON.parse. Then the whole HTTP handler:
// random and mutated envelopes, store bodies, compressed streams and headers never get a 5xx,
// never hang or crash the process, and the valid parts of an envelope still get through.
// Fixed seed (FUZZ_SEED to vary it); `npm run fuzz` runs 20 000 cases per property.
import http from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { zstdFrame } from '../helpers/zstd.js';
import { queuedEvent } from '../helpers/queued.js';
import { parseEnvelope } from '../../ingest/src/envelope.js';
import { parseJsonHeader } from '../../ingest/src/parse-json-header.js';
import { parseStoreBody } from '../../ingest/src/store-body.js';
import { parseRequestAuth } from '../../ingest/src/auth.js';
import { jsonDepthExceeds } from '../../ingest/src/json-depth.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 300);
const seed = Number(process.env.FUZZ_SEED ?? 20261126);
/** Not a speed target: a long `npm run fuzz` on a loaded machine must not hit the default 30 s. */
const propertyTimeout = Math.max(30_000, numRuns * 20);

const itemArb = fc.record({
  type: fc.constantFrom('event', 'attachment', 'session', 'client_report', 'x-unknown'),
  payload: fc.uint8Array({ maxLength: 64 }),
  explicit: fc.boolean(),
});

function serialize(
  header: object,
  items: Array<{ type: string; payload: Uint8Array; explicit: boolean }>,
  trailingNewline: boolean,
): Buffer {
  const parts: Buffer[] = [Buffer.from(JSON.stringify(header))];
  for (const it of items) {
    // Payloads containing \n need an explicit length (protocol.md §3.1).
    const explicit = it.explicit || it.payload.includes(0x0a);
    const head = explicit ? { type: it.type, length: it.payload.length } : { type: it.type };
    parts.push(Buffer.from(`\n${JSON.stringify(head)}\n`), Buffer.from(it.payload));
  }
  if (trailingNewline) parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

function depth(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depth));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depth));
  return 0;
}

describe('fuzz', () => {
  it(
    'parseEnvelope never throws on arbitrary bytes',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          const r = parseEnvelope(Buffer.from(bytes));
          expect(r.ok || r.causes.length > 0).toBe(true);
        }),
        { numRuns },
      );
    },
    propertyTimeout,
  );

  it(
    'parseEnvelope never throws on envelope-shaped text',
    () => {
      const line = fc.oneof(
        fc.json(),
        fc.constantFrom('{"type":"event"}', '{"type":"attachment","length":3}', '', '\r', '{}'),
        fc.string({ maxLength: 20 }),
      );
      fc.assert(
        fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
          const r = parseEnvelope(Buffer.from(lines.join('\n')));
          expect(typeof r.ok).toBe('boolean');
        }),
        { numRuns },
      );
    },
    propertyTimeout,
  );

  it(
    'well-formed envelopes round-trip item types and payloads',
    () => {
      fc.assert(
        fc.property(
          fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
          fc.array(itemArb, { maxLength: 6 }),
          fc.boolean(),
          (header, items, nl) => {
            const r = parseEnvelope(serialize(header, items, nl));
            expect(r.ok).toBe(true);
            if (!r.ok) return;
            expect(r.envelope.items.map((i) => [i.type, Buffer.from(i.payload).toString('hex')])).toEqual(
              items.map((i) => [i.type, Buffer.from(i.payload).toString('hex')]),
            );
          },
        ),
        { numRuns },
      );
    },
    propertyTimeout,
  );

  it(
    'parseJsonHeader agrees with JSON.parse on JSON text',
    () => {
      fc.assert(
        fc.property(fc.json({ maxDepth: 5 }), (text) => {
          const r = parseJsonHeader(Buffer.from(text), 0); // fc.json() never repeats a key
          expect(r.ok && r.value).toEqual(JSON.parse(text));
        }),
        { numRuns },
      );
    },
    propertyTimeout,
  );

  it(
    'jsonDepthExceeds matches the real nesting depth',
    () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 7 }), (value, max) => {
          expect(jsonDepthExceeds(Buffer.from(JSON.stringify(value)), max)).toBe(depth(value) > max);
        }),
        { numRuns },
      );
    },
    propertyTimeout,
  );

  it(
    'parseStoreBody and parseRequestAuth never throw',
    () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 200 }),
          fc.boolean(),
          fc.string({ maxLength: 80 }),
          (bytes, encoded, header) => {
            parseStoreBody(Buffer.from(bytes), { limit: 1000, contentEncoded: encoded });
            parseRequestAuth({ xSentryAuth: `Sentry ${header}`, authorization: header, rawQuery: header });
          },
        ),
        { numRuns },
      );
    },
    propertyTimeout,
  );
});

describe('fuzz: the HTTP ingest handler', () => {
  let s: TestServer;
  let agent: http.Agent;
  const REQUEST_TIMEOUT_MS = 10_000;
  beforeAll(async () => {
    s = await startTestServer({ MAX_ENVELOPE_BYTES: String(256 * 1024), MAX_EVENT_BYTES: String(64 * 1024) });
    agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  });
  afterAll(async () => {
    agent?.destroy();
    await s?.stop();
  });

  interface Sent {
    path: string;
    headers: Record<string, string>;
    body: Buffer;
  }

  /** Resolves with the status; rejects on a hang (no answer within the timeout). */
  function send(req: Sent): Promise<number> {
    return new Promise((resolve, reject) => {
      const r = http.request(
        `${s.url}${req.path}`,
        { method: 'POST', agent, headers: { ...req.headers, 'content-length': req.body.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      r.setTimeout(REQUEST_TIMEOUT_MS, () => r.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: hang`)));
      r.on('error', reject);
      r.end(req.body);
    });
  }

  const EVENT_JSON = '{"message":"fuzz","level":"error","platform":"node","tags":{"a":"b"}}';
  const validEvent = (id: string) =>
    Buffer.from(
      `{"event_id":"${id}","sent_at":"2026-11-26T03:00:00Z"}\n{"type":"event","length":${EVENT_JSON.length}}\n${EVENT_JSON}\n`,
    );
  const key = () => s.project.publicKey;
  const envelopePath = () => `/api/${s.project.projectId}/envelope/?sentry_key=${key()}&sentry_version=7`;
  let seq = 0;
  const nextId = () => (0xf0220000 + ++seq).toString(16).padStart(32, '0');

  type Encoding = [string, (b: Buffer) => Buffer];
  const GOOD_ENCODINGS: Encoding[] = [
    ['', (b) => b],
    ['gzip', (b) => gzipSync(b)],
    ['deflate', (b) => deflateSync(b)],
    ['br', (b) => brotliCompressSync(b)],
    ['zstd', (b) => zstdFrame(b)],
  ];
  const encodings = fc.constantFrom<Encoding>(
    ...GOOD_ENCODINGS,
    ['gzip', (b) => b], // claims gzip, is not
    ['x-unknown', (b) => b],
    ['gzip, br', (b) => brotliCompressSync(gzipSync(b))],
  );

  /** Byte-level mutations of a valid input: flips, cuts, inserts, duplicated ranges. */
  const mutated = (base: Buffer) =>
    fc
      .array(
        fc.oneof(
          fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
          fc.record({ op: fc.constant('cut' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
          fc.record({
            op: fc.constant('insert' as const),
            at: fc.nat(),
            bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
          }),
          fc.record({ op: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
        ),
        { minLength: 1, maxLength: 6 },
      )
      .map((ops) => {
        let b = base;
        for (const o of ops) {
          const at = b.length === 0 ? 0 : o.at % b.length;
          if (o.op === 'flip') b = Buffer.concat([b.subarray(0, at), Buffer.from([o.byte]), b.subarray(at + 1)]);
          else if (o.op === 'cut') b = Buffer.concat([b.subarray(0, at), b.subarray(at + o.len)]);
          else if (o.op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(o.bytes), b.subarray(at)]);
          else b = Buffer.concat([b.subarray(0, at + o.len), b.subarray(at)]);
        }
        return b;
      });

  const authHeaders = fc.oneof(
    fc.constant({}),
    fc.record({
      'x-sentry-auth': fc
        .oneof(fc.string({ maxLength: 120 }), fc.constant(`Sentry sentry_key=${'0'.repeat(32)}, sentry_version=7`))
        .map((v) => v.replace(/[^\x20-\x7e]/g, '')),
    }),
    fc.record({ authorization: fc.string({ maxLength: 80 }).map((v) => `Basic ${Buffer.from(v).toString('base64')}`) }),
  );

  const storeBodies = fc.oneof(
    fc.json({ maxDepth: 6 }).map((t) => Buffer.from(t)),
    fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
    fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(Buffer.from(b).toString('base64'))),
    fc.integer({ min: 1, max: 3000 }).map((n) => Buffer.from(`{"extra":${'['.repeat(n)}${']'.repeat(n)}}`)),
    mutated(
      Buffer.from(
        '{"event_id":"0123456789abcdef0123456789abcdef","message":"hi","exception":{"values":[{"type":"E","value":"v"}]}}',
      ),
    ),
  );

  const envelopeBodies = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
    mutated(validEvent('0123456789abcdef0123456789abcdef')),
    fc
      .array(
        fc.oneof(
          fc.json({ maxDepth: 4 }),
          fc.string({ maxLength: 30 }),
          fc.constantFrom(
            '{"type":"event"}',
            '{"type":"attachment","length":5}',
            '{"type":"session"}',
            '{"type":"client_report"}',
            '{}',
          ),
        ),
        { maxLength: 10 },
      )
      .map((lines) => Buffer.from(lines.join('\n'))),
  );

  const requests = fc.oneof(
    fc.record({
      body: envelopeBodies,
      enc: encodings,
      auth: authHeaders,
      store: fc.constant(false),
      truncate: fc.boolean(),
    }),
    fc.record({
      body: storeBodies,
      enc: encodings,
      auth: authHeaders,
      store: fc.constant(true),
      truncate: fc.boolean(),
    }),
  );

  it('answers every hostile request without a 5xx, a hang or a crash', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        requests,
        fc.constantFrom('', `sentry_key=${'f'.repeat(32)}`, 'sentry_key=short', 'sentry_version=99'),
        async (r, query) => {
          const [encoding, compress] = r.enc;
          let body = compress(r.body);
          if (r.truncate && encoding !== '' && body.length > 4) body = body.subarray(0, body.length - 3); // a cut compressed stream
          const headers: Record<string, string> = { ...r.auth };
          if (encoding) headers['content-encoding'] = encoding;
          headers['content-type'] = r.store ? 'application/json' : 'application/x-sentry-envelope';
          if (r.store && !('x-sentry-auth' in headers) && !('authorization' in headers))
            headers['x-sentry-auth'] = `Sentry sentry_key=${key()}, sentry_version=7`;
          const path = r.store
            ? `/api/${s.project.projectId}/store/${query ? `?${query}` : ''}`
            : query
              ? `/api/${s.project.projectId}/envelope/?${query}`
              : envelopePath();
          const status = await send({ path, headers, body });
          seen.set(status, (seen.get(status) ?? 0) + 1);
          expect(status).toBeGreaterThanOrEqual(200);
          expect(status).toBeLessThan(500);
        },
      ),
      { numRuns, seed },
    );
    // The handler still works, and no outcome hides a 5xx.
    const id = nextId();
    expect(await send({ path: envelopePath(), headers: {}, body: validEvent(id) })).toBe(200);
    expect(await queuedEvent(s.deps.queue, s.project.projectId, id)).toBeTruthy();
    expect([...seen.keys()].every((k) => k < 500)).toBe(true);
  }, 600_000);

  it('lets the valid event of an envelope through whatever other items it carries', async () => {
    const junkItem = fc.record({
      type: fc.oneof(
        fc.constantFrom(
          'attachment',
          'x-unknown',
          'profile',
          'replay_recording',
          'client_report',
          'session',
          'check_in',
        ),
        fc
          .string({ minLength: 1, maxLength: 12 })
          .filter(
            (t) =>
              ![
                'event',
                'transaction',
                'security',
                'raw_security',
                'user_report',
                'feedback',
                'form_data',
                'replay_event',
                'user_report_v2',
              ].includes(t),
          ),
      ),
      payload: fc.uint8Array({ maxLength: 300 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(junkItem, { maxLength: 5 }),
        fc.nat({ max: 5 }),
        fc.constantFrom(...GOOD_ENCODINGS),
        async (junk, at, [encoding, compress]) => {
          const id = nextId();
          const items = junk.map((j) =>
            Buffer.concat([
              Buffer.from(`${JSON.stringify({ type: j.type, length: j.payload.length })}\n`),
              Buffer.from(j.payload),
              Buffer.from('\n'),
            ]),
          );
          const event = Buffer.from('{"type":"event"}\n{"message":"valid part","level":"error","platform":"python"}\n');
          items.splice(Math.min(at, items.length), 0, event);
          const body = Buffer.concat([Buffer.from(`{"event_id":"${id}"}\n`), ...items]);
          const status = await send({
            path: envelopePath(),
            headers: encoding ? { 'content-encoding': encoding } : {},
            body: compress(body),
          });
          expect(status).toBe(200);
          const job = await queuedEvent(s.deps.queue, s.project.projectId, id);
          expect(job?.data.payload).toContain('valid part');
        },
      ),
      { numRuns: Math.max(50, Math.floor(numRuns / 4)), seed },
    );
  }, 600_000);
});
