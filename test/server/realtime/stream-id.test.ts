import { describe, expect, it } from 'vitest';
import { compareStreamIds, isStreamId } from '../../../server/src/realtime/stream-id.js';

describe('stream ids', () => {
  it.each([
    ['1-0', true],
    ['1764158400000-12', true],
    ['abc', false],
    ['1-', false],
    ['1-0; drop', false],
  ])('isStreamId(%s) = %s', (id, ok) => expect(isStreamId(id)).toBe(ok));

  it.each([
    ['1-0', '1-0', 0],
    ['1-1', '1-0', 1],
    ['1-9', '2-0', -1],
    ['10-0', '9-99', 1],
    ['18446744073709551615-0', '18446744073709551614-5', 1],
  ])('compare(%s, %s) = %d', (a, b, sign) => expect(Math.sign(compareStreamIds(a, b))).toBe(sign));
});
