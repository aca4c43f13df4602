// The envelope parser against Relay's grammar (protocol.md §3.1): what parses into which items,
// and which byte streams fail with which cause.
import { describe, expect, it } from 'vitest';
import { normalizeEventId, parseEnvelope, readEnvelopeMeta, type Envelope } from '../../ingest/src/envelope.js';
import { parseJsonHeader } from '../../ingest/src/parse-json-header.js';
import { findOversizeItemType, oversizeDetail } from '../../ingest/src/limits.js';
import { jsonDepthExceeds } from '../../ingest/src/json-depth.js';

const ID = '9ec79c33ec9942ab8353589fcb2e04dc';
const HEAD = `{"event_id":"${ID}","dsn":"https://e12d836b15bb49d7bbf99e64295d995b:@sentry.io/42"}`;

function parse(body: string | Buffer): Envelope {
  const r = parseEnvelope(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
  if (!r.ok) throw new Error(`unexpected failure: ${r.causes.join(' / ')}`);
  return r.envelope;
}

const items = (e: Envelope) => e.items.map((i) => [i.type, i.payload.toString('latin1')]);

describe('parseEnvelope accepts', () => {
  it.each([
    ['a header without newline', HEAD, []],
    ['a header with newline', `${HEAD}\n`, []],
    [
      'two empty attachments with final newline',
      `${HEAD}\n{"type":"attachment","length":0}\n\n{"type":"attachment","length":0}\n`,
      [
        ['attachment', ''],
        ['attachment', ''],
      ],
    ],
    [
      'two empty attachments ending at EOF',
      `${HEAD}\n{"type":"attachment","length":0}\n\n{"type":"attachment","length":0}`,
      [
        ['attachment', ''],
        ['attachment', ''],
      ],
    ],
    ['an implicit length ended by \\n', `${HEAD}\n{"type":"attachment"}\nhelloworld\n`, [['attachment', 'helloworld']]],
    ['an implicit length ended by EOF', `${HEAD}\n{"type":"attachment"}\nhelloworld`, [['attachment', 'helloworld']]],
    ['an item header at EOF (empty payload)', `${HEAD}\n{"type":"attachment"}`, [['attachment', '']]],
    ['an unknown item type', `${HEAD}\n{"type":"invalid_unknown"}\nhelloworld\n`, [['invalid_unknown', 'helloworld']]],
    ['a \\r kept at the end of an implicit payload', `{}\n{"type":"event"}\n{}\r\n`, [['event', '{}\r']]],
    [
      'explicit lengths with \\r\\n inside',
      `${HEAD}\n{"type":"attachment","length":10,"content_type":"text/plain","filename":"hello.txt"}\n\xef\xbb\xbfHello\r\n\n{"type":"event","length":41,"content_type":"application/json","filename":"application.log"}\n{"message":"hello world","level":"error"}\n`,
      [
        ['attachment', '\xef\xbb\xbfHello\r\n'],
        ['event', '{"message":"hello world","level":"error"}'],
      ],
    ],
    ['a length pointing exactly at EOF', '{}\n{"type":"attachment","length":5}\nhello', [['attachment', 'hello']]],
    [
      'a payload containing newlines with an explicit length',
      '{}\n{"type":"attachment","length":3}\na\nb',
      [['attachment', 'a\nb']],
    ],
    ['whitespace inside headers', '{ "event_id" : null }\n{ "type" : "event" , "length" : 2 }\n{}', [['event', '{}']]],
    [
      'a blank line between items (serde skips leading whitespace)',
      '{}\n{"type":"event"}\n{}\n\n{"type":"session"}\n{}',
      [
        ['event', '{}'],
        ['session', '{}'],
      ],
    ],
    ['length null (implicit)', '{}\n{"type":"event","length":null}\n{}', [['event', '{}']]],
    ['unicode escapes in headers', '{"release":"caf\\u00e9 \\ud83d\\ude00"}\n{"type":"event"}\n{}', [['event', '{}']]],
  ])('%s', (_name, body, expected) => {
    expect(items(parse(body))).toEqual(expected);
  });

  it('keeps header fields and gives item payloads as views of the input', () => {
    const buf = Buffer.from(
      '{"sdk":{"name":"s","version":"1"},"trace":{"x":[1,2]}}\n{"type":"event","length":2,"x":true}\n{}',
    );
    const e = parse(buf);
    expect(e.headers).toEqual({ sdk: { name: 's', version: '1' }, trace: { x: [1, 2] } });
    expect(e.items[0]!.headers).toEqual({ type: 'event', length: 2, x: true });
    expect(e.items[0]!.payload.buffer).toBe(buf.buffer);
  });
});

describe('parseEnvelope rejects', () => {
  it.each([
    ['whitespace only', '   ', ['missing envelope header']],
    ['a header that is not JSON', 'hello\n', ['invalid envelope header', 'expected value at line 1 column 1']],
    ['a leading BOM', '\xef\xbb\xbf{}', ['invalid envelope header', 'expected value at line 1 column 1']],
    ['a header array', '[]', ['invalid envelope header', 'invalid type: sequence, expected struct EnvelopeHeaders']],
    ['a header number', '42', ['invalid envelope header', 'invalid type: number, expected struct EnvelopeHeaders']],
    ['junk after the header', '{} x\n', ['missing newline after header or payload']],
    ['CRLF after the header', '{}\r\n', ['missing newline after header or payload']],
    ['CRLF after an item header', '{}\n{"type":"event"}\r\n{}', ['missing newline after header or payload']],
    ['a length too short', '{}\n{"type":"attachment","length":3}\nhello', ['missing newline after header or payload']],
    ['a length too long', '{}\n{"type":"attachment","length":6}\nhello', ['unexpected end of file']],
    ['a trailing \\n\\n', '{}\n{"type":"event"}\n{}\n\n', ['unexpected end of file']],
    ['trailing whitespace', '{}\n{"type":"event"}\n{}\n \t', ['unexpected end of file']],
    ['an item header without type', '{}\n{"length":0}\n', ['invalid item header', 'missing field `type`']],
    [
      'a numeric type',
      '{}\n{"type":7}\n',
      ['invalid item header', 'invalid type: number, expected a string for `type`'],
    ],
    [
      'a fractional length',
      '{}\n{"type":"a","length":1.0}\nx',
      ['invalid item header', 'invalid value for `length`: expected u32'],
    ],
    [
      'an exponent length',
      '{}\n{"type":"a","length":1e0}\nx',
      ['invalid item header', 'invalid value for `length`: expected u32'],
    ],
    [
      'a length over u32',
      '{}\n{"type":"a","length":4294967296}\nx',
      ['invalid item header', 'invalid value for `length`: expected u32'],
    ],
    [
      'a string length',
      '{}\n{"type":"a","length":"1"}\nx',
      ['invalid item header', 'invalid value for `length`: expected u32'],
    ],
    [
      'a numeric filename',
      '{}\n{"type":"attachment","filename":3}\n',
      ['invalid item header', 'invalid type: number, expected a string for `filename`'],
    ],
    [
      'an item header that is not JSON',
      '{}\n{"type":"event"\n{}',
      ['invalid item header', 'expected `,` or `}` at line 2 column 1'],
    ],
    [
      'an item header array',
      '{}\n[]\n',
      ['invalid item header', 'invalid type: sequence, expected struct ItemHeaders'],
    ],
    [
      'a duplicate key in the envelope header',
      '{"sent_at":null,"sent_at":null}',
      ['invalid envelope header', 'duplicate field `sent_at` at line 1 column 27'],
    ],
    [
      'a duplicate key in an item header',
      '{}\n{"type":"event","type":"event"}\n{}',
      ['invalid item header', 'duplicate field `type` at line 1 column 24'],
    ],
    [
      'a control character in a string',
      '{"a":"x\ty"}',
      ['invalid envelope header', 'control character in string at line 1 column 8'],
    ],
    [
      'invalid UTF-8 in a string',
      Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      ['invalid envelope header', 'invalid unicode in string at line 1 column 3'],
    ],
    [
      'a lone surrogate escape',
      '{"a":"\\ud83d"}',
      ['invalid envelope header', 'lone leading surrogate in hex escape at line 1 column 7'],
    ],
    [
      'nesting deeper than 128',
      `{"a":${'['.repeat(128)}${']'.repeat(128)}}`,
      ['invalid envelope header', 'recursion limit exceeded at line 1 column 133'],
    ],
  ])('%s', (_name, body, causes) => {
    const r = parseEnvelope(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
    expect(r).toEqual({ ok: false, causes });
  });

  it('accepts nesting of exactly 128', () => {
    expect(parseEnvelope(Buffer.from(`{"a":${'['.repeat(127)}${']'.repeat(127)}}`)).ok).toBe(true);
  });
});

describe('readEnvelopeMeta', () => {
  it.each([
    [{}, { eventId: null, dsn: null, origin: null }],
    [
      { event_id: null, sent_at: null },
      { eventId: null, dsn: null, origin: null },
    ],
    [
      { event_id: ID, sent_at: '2024-01-01T00:00:00.123Z', dsn: 'http://k@h/1', origin: 'http://o/' },
      { eventId: ID, dsn: 'http://k@h/1', origin: 'http://o/' },
    ],
    [{ event_id: '00000000-0000-0000-0000-000000000000' }, { eventId: null, dsn: null, origin: null }],
  ])('reads %j', (headers, meta) => {
    expect(readEnvelopeMeta(headers)).toEqual({ ok: true, meta });
  });

  it.each([
    [{ event_id: 'xyz' }, 'invalid value for `event_id`: expected a UUID'],
    [{ event_id: 42 }, 'invalid value for `event_id`: expected a UUID'],
    [{ sent_at: 'yesterday' }, 'invalid value for `sent_at`: expected an RFC 3339 timestamp'],
    [{ sent_at: 1700000000 }, 'invalid value for `sent_at`: expected an RFC 3339 timestamp'],
    [{ dsn: 5 }, 'invalid type for `dsn`: expected a string'],
  ])('rejects %j', (headers, cause) => {
    expect(readEnvelopeMeta(headers)).toEqual({ ok: false, causes: ['invalid envelope header', cause] });
  });
});

describe('normalizeEventId', () => {
  it.each([
    [ID, ID],
    [ID.toUpperCase(), ID],
    ['9ec79c33-ec99-42ab-8353-589fcb2e04dc', ID],
    [`{9ec79c33-ec99-42ab-8353-589fcb2e04dc}`, ID],
    ['urn:uuid:9ec79c33-ec99-42ab-8353-589fcb2e04dc', ID],
    ['00000000000000000000000000000000', null],
    ['00000000-0000-0000-0000-000000000000', null],
    ['9ec79c33ec9942ab8353589fcb2e04d', undefined],
    ['9ec79c33-ec9942ab-8353-589fcb2e04dc', undefined],
    ['zec79c33ec9942ab8353589fcb2e04dc', undefined],
    [42, undefined],
  ])('%j → %j', (input, expected) => {
    expect(normalizeEventId(input)).toBe(expected);
  });
});

describe('parseJsonHeader', () => {
  it('stops right after the value and reports the raw number literals of top-level keys', () => {
    const r = parseJsonHeader(Buffer.from('  {"length":10,"x":1.50} tail'), 0);
    expect(r).toMatchObject({ ok: true, end: 24, value: { length: 10, x: 1.5 } });
    expect(r.ok && [...r.numberLiterals]).toEqual([
      ['length', '10'],
      ['x', '1.50'],
    ]);
  });

  it('does not let a __proto__ key change the prototype', () => {
    const r = parseJsonHeader(Buffer.from('{"__proto__":{"polluted":true}}'), 0);
    expect(r.ok && Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(r.ok && Object.keys(r.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('findOversizeItemType', () => {
  const item = (type: string, size: number) => ({ type, headers: { type }, payload: Buffer.alloc(size) });
  const limits = { maxEventBytes: 100, maxEnvelopeBytes: 1000 };
  it.each([
    [[item('event', 100)], null],
    [[item('event', 101)], 'event'],
    [[item('transaction', 101)], 'transaction'],
    [Array.from({ length: 30 }, () => item('attachment', 1)), null],
    [Array.from({ length: 31 }, () => item('attachment', 1)), 'attachment'],
    [[item('attachment', 600), item('attachment', 600)], 'attachment'],
    [Array.from({ length: 100 }, () => item('session', 1)), null],
    [[...Array.from({ length: 100 }, () => item('session', 1)), item('sessions', 1)], 'sessions'],
    [[item('client_report', 100 * 1024 + 1)], 'client_report'],
    [[item('check_in', 100 * 1024 + 1)], 'check_in'],
    [[item('profile', 900)], null],
  ])('%#', (items, expected) => {
    expect(findOversizeItemType(items, limits)).toBe(expected);
  });

  it('renders the Relay 413 detail', () => {
    expect(oversizeDetail('event')).toBe(
      "envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)",
    );
  });
});

describe('jsonDepthExceeds', () => {
  it.each([
    ['{}', 1, false],
    ['{"a":[{}]}', 3, false],
    ['{"a":[{}]}', 2, true],
    ['{"a":"[[[[[[["}', 1, false],
    ['{"a":"\\"[[[["}', 1, false],
    ['[[]]', 1, true],
  ])('%s with max %i → %s', (json, max, expected) => {
    expect(jsonDepthExceeds(Buffer.from(json), max)).toBe(expected);
  });
});
