// The stored payload format: byte-exact round trips of any JSON text (fast-check), the format
// byte, and the frozen v1 dictionary (rows in the database depend on it never changing). Each body
// decodes on its own with the dictionary alone, and rows written at level 6 by earlier builds still read.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateRawSync, gzipSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayloadText, encodePayload } from '../../../server/src/events/payload-codec.js';
import { PAYLOAD_DICTIONARY_V1 } from '../../../server/src/events/payload-dictionary-v1.js';

describe('payload codec', () => {
  it('round-trips any JSON text byte for byte', () => {
    fc.assert(
      fc.property(fc.json(), (json) => {
        const stored = encodePayload(json);
        expect(stored[0]).toBe(1);
        expect(decodePayloadText(stored)).toBe(json);
      }),
      { seed: 4242, numRuns: 500 },
    );
  });

  it('round-trips any JSON value with full Unicode strings, as the worker serializes it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ depthSize: 'medium', stringUnit: 'binary' }), (value) => {
        const json = JSON.stringify(value);
        expect(decodePayloadText(encodePayload(json))).toBe(json);
      }),
      { seed: 4243, numRuns: 300 },
    );
  });

  it('writes bodies that decode on their own, whatever was encoded before', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.json(), fc.constant(TYPICAL)), { minLength: 1, maxLength: 8 }), (texts) => {
        const stored = texts.map((t) => encodePayload(t));
        texts.forEach((t, i) => {
          expect(stored[i]![0]).toBe(1);
          // Nothing but the dictionary: no state carried over from the bodies before it.
          expect(inflateRawSync(stored[i]!.subarray(1), { dictionary: DICTIONARY }).toString('utf8')).toBe(t);
        });
      }),
      { seed: 4244, numRuns: 1000 },
    );
  });

  it('compresses at level 1 with the dictionary', () => {
    const level1 = deflateRawSync(TYPICAL, { level: 1, dictionary: DICTIONARY });
    expect(encodePayload(TYPICAL).subarray(1).equals(level1)).toBe(true);
    expect(TYPICAL.length / level1.length).toBeGreaterThan(2);
  });

  it('round-trips a payload of several hundred kilobytes', () => {
    let x = 7;
    const noise = Array.from({ length: 80_000 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8).toString(36));
    const json = JSON.stringify({ message: 'big', extra: { noise, again: noise.slice(0, 5000) } });
    expect(json.length).toBeGreaterThan(300_000);
    const stored = encodePayload(json);
    expect(stored[0]).toBe(1);
    expect(stored.length).toBeGreaterThan(64 * 1024);
    expect(decodePayloadText(stored)).toBe(json);
  });

  it('reads format 1 rows written at level 6 by earlier builds', () => {
    expect(decodePayloadText(Buffer.from(LEVEL6_ROW_BASE64, 'base64'))).toBe(LEVEL6_ROW_JSON);
    const json = '{"a":[1,2,3],"b":"x"}';
    const level6 = Buffer.concat([Buffer.from([1]), deflateRawSync(json, { level: 6, dictionary: DICTIONARY })]);
    expect(decodePayloadText(level6)).toBe(json);
  });

  it('reads plain gzip, as rows written while 0080 added payload_gz hold', () => {
    const json = '{"event_id":"a","message":"x"}';
    expect(decodePayloadText(gzipSync(json))).toBe(json);
  });

  it('refuses an unknown format instead of guessing', () => {
    expect(() => decodePayloadText(Buffer.from([9, 1, 2]))).toThrow(/unknown stored payload format 9/);
  });

  it('keeps dictionary v1 exactly as it was first used', () => {
    expect(createHash('sha256').update(PAYLOAD_DICTIONARY_V1).digest('hex')).toBe(V1_SHA256);
  });
});

const DICTIONARY = Buffer.from(PAYLOAD_DICTIONARY_V1, 'utf8');
/** A stored payload the size and shape of the benchmark's typical event. */
const TYPICAL = readFileSync(new URL('../../fixtures/stored-payload-typical.json', import.meta.url), 'utf8');
/** A row as the level-6 writer stored it (format byte 1), kept verbatim. */
const LEVEL6_ROW_JSON =
  '{"event_id":"9f2c4be0d1a84c6e8a3f5b7d2e1c0a99","level":"error","platform":"node","message":"Café 😀 \\u0000","tags":[["release","1.2.3"]]}';
const LEVEL6_ROW_BASE64 =
  'AatGLtws04ySTZJSDVIMEy1Mks1SLRKN00yTzFOMUg2TDRItLZUwp6qRjMzLTwH3EeAFrXNi2uGVCh/mz2hQiCk1MAAP55YkgqbpoqPh0aUDSix6xkqxsbUA';
const V1_SHA256 = 'cf5283056262ef52e5ab01375dc00007389b44f783b0c6c68a35db271593d059';
