// Property tests of the pure ingest parsers: arbitrary bytes never throw, well-formed envelopes
// round-trip, and the header JSON reader agrees with JSON.parse. `npm run fuzz` runs 20 000 cases.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseEnvelope } from '../../ingest/src/envelope.js';
import { parseJsonHeader } from '../../ingest/src/parse-json-header.js';
import { parseStoreBody } from '../../ingest/src/store-body.js';
import { parseRequestAuth } from '../../ingest/src/auth.js';
import { jsonDepthExceeds } from '../../ingest/src/json-depth.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 300);

const itemArb = fc.record({
  type: fc.constantFrom('event', 'attachment', 'session', 'client_report', 'x-unknown'),
  payload: fc.uint8Array({ maxLength: 64 }),
  explicit: fc.boolean(),
});

function serialize(header: object, items: Array<{ type: string; payload: Uint8Array; explicit: boolean }>, trailingNewline: boolean): Buffer {
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
  it('parseEnvelope never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = parseEnvelope(Buffer.from(bytes));
        expect(r.ok || r.causes.length > 0).toBe(true);
      }),
      { numRuns },
    );
  });

  it('parseEnvelope never throws on envelope-shaped text', () => {
    const line = fc.oneof(fc.json(), fc.constantFrom('{"type":"event"}', '{"type":"attachment","length":3}', '', '\r', '{}'), fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const r = parseEnvelope(Buffer.from(lines.join('\n')));
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns },
    );
  });

  it('well-formed envelopes round-trip item types and payloads', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), fc.array(itemArb, { maxLength: 6 }), fc.boolean(), (header, items, nl) => {
        const r = parseEnvelope(serialize(header, items, nl));
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.envelope.items.map((i) => [i.type, Buffer.from(i.payload).toString('hex')])).toEqual(items.map((i) => [i.type, Buffer.from(i.payload).toString('hex')]));
      }),
      { numRuns },
    );
  });

  it('parseJsonHeader agrees with JSON.parse on JSON text', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 5 }), (text) => {
        const r = parseJsonHeader(Buffer.from(text), 0); // fc.json() never repeats a key
        expect(r.ok && r.value).toEqual(JSON.parse(text));
      }),
      { numRuns },
    );
  });

  it('jsonDepthExceeds matches the real nesting depth', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 7 }), (value, max) => {
        expect(jsonDepthExceeds(Buffer.from(JSON.stringify(value)), max)).toBe(depth(value) > max);
      }),
      { numRuns },
    );
  });

  it('parseStoreBody and parseRequestAuth never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.string({ maxLength: 80 }), (bytes, encoded, header) => {
        parseStoreBody(Buffer.from(bytes), { limit: 1000, contentEncoded: encoded });
        parseRequestAuth({ xSentryAuth: `Sentry ${header}`, authorization: header, rawQuery: header });
      }),
      { numRuns },
    );
  });
});
