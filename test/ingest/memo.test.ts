// The bounded memo behind the auth, dsn and origin parses: repeated texts skip the parse, the
// map never grows past its bound, long texts are never kept, and a memoized parse answers
// exactly what the parse does.
import { describe, expect, it } from 'vitest';
import { boundedMemo } from '../../ingest/src/memo.js';
import { parseDsn, parseRequestAuth } from '../../ingest/src/auth.js';

describe('boundedMemo', () => {
  it('parses a repeated text once, and starts over past its bound', () => {
    let calls = 0;
    const memo = boundedMemo((t: string) => (calls++, t.length), 2);
    expect([memo('a'), memo('a'), memo('bb')]).toEqual([1, 1, 2]);
    expect(calls).toBe(2);
    memo('ccc'); // third entry: the map starts over
    memo('a');
    expect(calls).toBe(4);
  });

  it('never keeps texts longer than its limit', () => {
    let calls = 0;
    const memo = boundedMemo((t: string) => (calls++, t), 10, 4);
    memo('12345');
    memo('12345');
    expect(calls).toBe(2);
  });
});

describe('memoized auth and dsn parses', () => {
  const key = 'a'.repeat(32);
  it('answer the same for the same texts, however often and in whatever order', () => {
    const inputs = [
      { xSentryAuth: `Sentry sentry_key=${key}, sentry_version=7`, rawQuery: '' },
      { authorization: `Sentry sentry_key=${key}`, rawQuery: '' },
      { xSentryAuth: `Sentry sentry_key=${key}`, authorization: `Sentry sentry_key=${key}`, rawQuery: '' },
      { rawQuery: `sentry_key=${key}&sentry_version=7` },
      { xSentryAuth: '', authorization: '', rawQuery: `sentry_key=${key}` },
      // parts that would collide if they were simply joined
      { xSentryAuth: 'Sentry sentry_key=', authorization: `Sentry x`, rawQuery: '' },
      { xSentryAuth: 'Sentry sentry_key=Sentry x', rawQuery: '' },
      { xSentryAuth: 'Sentry sentry_version=99', rawQuery: '' },
      { rawQuery: '' },
    ];
    const first = inputs.map((i) => structuredClone(parseRequestAuth(i)));
    for (let round = 0; round < 3; round++) expect(inputs.map((i) => parseRequestAuth(i))).toEqual(first);
    expect(first.map((r) => r.kind)).toEqual(['ok', 'ok', 'error', 'ok', 'ok', 'error', 'ok', 'error', 'none']);
  });

  it('parses a dsn once per text and keeps its errors', () => {
    const dsn = `https://${key}@example.com/42`;
    expect(parseDsn(dsn)).toEqual({ publicKey: key, projectId: '42' });
    expect(parseDsn(dsn)).toBe(parseDsn(dsn));
    expect(parseDsn('not a url')).toBe('invalid dsn: not a URL');
    expect(parseDsn('not a url')).toBe('invalid dsn: not a URL');
  });
});
