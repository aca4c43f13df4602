// The stored payload format: byte-exact round trips of any JSON text (fast-check), the format
// byte, and the frozen v1 dictionary (rows in the database depend on it never changing). Each body
// is one zstd frame that decodes on its own with the dictionary alone, and rows earlier builds
// wrote (deflate at levels 1 and 6, plain gzip) still read.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateRawSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Compressor, Decompressor } from 'zstd-napi';
import { decodePayloadText, encodePayload, ZSTD_LEVEL } from '../../../server/src/events/payload-codec.js';
import { PAYLOAD_DICTIONARY_V1 } from '../../../server/src/events/payload-dictionary-v1.js';

describe('payload codec', () => {
  it('round-trips any JSON text byte for byte', () => {
    fc.assert(
      fc.property(fc.json(), (json) => {
        const stored = encodePayload(json);
        expect(stored[0]).toBe(2);
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
          expect(stored[i]![0]).toBe(2);
          // Nothing but the dictionary, in a fresh context: no state carried over from the bodies
          // before it (the writer reuses one context for every payload).
          const fresh = new Decompressor();
          fresh.loadDictionary(DICTIONARY);
          expect(fresh.decompress(stored[i]!.subarray(1)).toString('utf8')).toBe(t);
        });
      }),
      { seed: 4244, numRuns: 1000 },
    );
  });

  it('compresses with zstd at its level and the dictionary, as small as deflate did', () => {
    const expected = new Compressor();
    expected.setParameters({ compressionLevel: ZSTD_LEVEL, checksumFlag: false, dictIDFlag: false });
    expected.loadDictionary(DICTIONARY);
    const body = encodePayload(TYPICAL).subarray(1);
    expect(body.equals(expected.compress(Buffer.from(TYPICAL)))).toBe(true);
    // One TOAST chunk holds 1,996 bytes: without the dictionary the typical payload takes two.
    expect(body.length).toBeLessThan(1996);
    expect(body.length).toBeLessThanOrEqual(deflateRawSync(TYPICAL, { level: 1, dictionary: DICTIONARY }).length);
  });

  it('round-trips a payload of several hundred kilobytes', () => {
    let digest = 'seed';
    const noise = Array.from({ length: 12_000 }, () => (digest = createHash('sha256').update(digest).digest('hex')));
    const json = JSON.stringify({ message: 'big', extra: { noise, again: noise.slice(0, 5000) } });
    expect(json.length).toBeGreaterThan(300_000);
    const stored = encodePayload(json);
    expect(stored[0]).toBe(2);
    expect(stored.length).toBeGreaterThan(64 * 1024);
    expect(decodePayloadText(stored)).toBe(json);
  });

  it('reads format 1 rows written at levels 6 and 1 by earlier builds', () => {
    expect(decodePayloadText(Buffer.from(LEVEL6_ROW_BASE64, 'base64'))).toBe(LEVEL6_ROW_JSON);
    for (const level of [1, 6]) {
      const rows = [TYPICAL, '{"a":[1,2,3],"b":"x"}'].map((json) => ({
        json,
        stored: Buffer.concat([Buffer.from([1]), deflateRawSync(json, { level, dictionary: DICTIONARY })]),
      }));
      for (const { json, stored } of rows) expect(decodePayloadText(stored)).toBe(json);
    }
  });

  it('reads a format 2 row kept verbatim, so a later build cannot change what it means', () => {
    expect(decodePayloadText(Buffer.from(ZSTD_ROW_BASE64, 'base64'))).toBe(LEVEL6_ROW_JSON);
  });

  it('refuses a zstd frame that does not declare its size, or declares more than a payload can be', () => {
    // A frame header whose descriptor byte (after the magic) sets no content-size field.
    const unsized = Buffer.from([2, 0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50, 0x01, 0x00, 0x00]);
    expect(() => decodePayloadText(unsized)).toThrow(/declares no content size/);
    // Single-segment frame claiming 2^32 + 1 bytes (8-byte content size field).
    const huge = Buffer.from([2, 0x28, 0xb5, 0x2f, 0xfd, 0xe0, 1, 0, 0, 0, 1, 0, 0, 0]);
    expect(() => decodePayloadText(huge)).toThrow(/declares 4294967297 content size/);
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
/** The same JSON as a format 2 row (zstd, dictionary v1), kept verbatim. */
const ZSTD_ROW_BASE64 =
  'Aii1L/0gjB0DAPQDezlmMmM0YmUwZDFhODRjNmU4YTNmNWI3ZDJlMWMwYTk5bm9kQ2Fmw6kg8J+YgCBcdTAwMHRhW1ssLjMiXV19CgCTckHIrsKqewKTI8KylRfMFdrJhWOAZg8B6CgbDw6Xrw==';
const V1_SHA256 = 'cf5283056262ef52e5ab01375dc00007389b44f783b0c6c68a35db271593d059';
