// The stored payload format: byte-exact round trips of any JSON text (fast-check), the format
// byte, and the frozen v1 dictionary (rows in the database depend on it never changing).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
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

const V1_SHA256 = 'cf5283056262ef52e5ab01375dc00007389b44f783b0c6c68a35db271593d059';
