// Auth parsing (protocol.md §1.2): every form real clients send, Relay's precedence and errors.
import { describe, expect, it } from 'vitest';
import { parseDsn, parsePublicKey, parseRequestAuth } from '../../ingest/src/auth.js';

const KEY = '0123456789abcdef0123456789abcdef';

describe('parseRequestAuth', () => {
  it.each([
    [
      'Python / sentry-cli header',
      { xSentryAuth: `Sentry sentry_key=${KEY}, sentry_version=7, sentry_client=sentry.python/1.9.10` },
      { publicKey: KEY, version: 7, client: 'sentry.python/1.9.10', source: 'x-sentry-auth' },
    ],
    [
      'lowercase prefix, spaces, 7.0',
      { xSentryAuth: `sentry  sentry_key = ${KEY} ,sentry_version= 7.0` },
      { publicKey: KEY, version: 7, client: null, source: 'x-sentry-auth' },
    ],
    [
      'unknown keys and a timestamp',
      { xSentryAuth: `Sentry sentry_key=${KEY}, sentry_timestamp=1795658346.7, foo=bar, novalue` },
      { publicKey: KEY, version: 7, client: null, source: 'x-sentry-auth' },
    ],
    [
      'Authorization: Sentry',
      { authorization: `Sentry sentry_key=${KEY}` },
      { publicKey: KEY, version: 7, client: null, source: 'authorization' },
    ],
    [
      'Authorization: Basic',
      { authorization: `Basic ${Buffer.from(`${KEY}:secret`).toString('base64')}` },
      { publicKey: KEY, version: 7, client: null, source: 'basic' },
    ],
    [
      'JS query string',
      { rawQuery: `sentry_version=7&sentry_key=${KEY}&sentry_client=sentry.javascript.browser%2F11.12.0` },
      { publicKey: KEY, version: 7, client: 'sentry.javascript.browser/11.12.0', source: 'query' },
    ],
    [
      'version 8 parses (rejected later)',
      { rawQuery: `sentry_key=${KEY}&sentry_version=8` },
      { publicKey: KEY, version: 8, client: null, source: 'query' },
    ],
  ])('reads %s', (_name, input, auth) => {
    expect(parseRequestAuth({ rawQuery: '', ...input })).toEqual({ kind: 'ok', auth });
  });

  it.each([
    ['nothing', {}],
    ['an X-Sentry-Auth without the Sentry prefix', { xSentryAuth: `sentry_key=${KEY}` }],
    ['a Bearer token', { authorization: 'Bearer abc' }],
    ['undecodable Basic', { authorization: 'Basic !!!' }],
    ['Basic without a colon', { authorization: `Basic ${Buffer.from(KEY).toString('base64')}` }],
    ['a query without sentry_ parameters', { rawQuery: 'a=1&key=2' }],
  ])('finds no auth in %s', (_name, input) => {
    expect(parseRequestAuth({ rawQuery: '', ...input })).toEqual({ kind: 'none' });
  });

  it.each([
    ['header + query', { xSentryAuth: `Sentry sentry_key=${KEY}`, rawQuery: `sentry_key=${KEY}` }],
    [
      'X-Sentry-Auth + Authorization',
      { xSentryAuth: `Sentry sentry_key=${KEY}`, authorization: `Sentry sentry_key=${KEY}` },
    ],
    [
      'X-Sentry-Auth + Basic',
      { xSentryAuth: `Sentry sentry_key=${KEY}`, authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` },
    ],
    [
      'Basic + query',
      { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`, rawQuery: 'sentry_version=7' },
    ],
  ])('answers 401 multiple for %s', (_name, input) => {
    expect(parseRequestAuth({ rawQuery: '', ...input })).toMatchObject({
      kind: 'error',
      status: 401,
      detail: 'multiple authorization payloads detected',
    });
  });

  it.each([
    [{ xSentryAuth: 'Sentry sentry_version=7' }, 'missing public key in auth header'],
    [{ xSentryAuth: 'Sentry sentry_key=' }, 'missing public key in auth header'],
    [{ xSentryAuth: `Sentry sentry_key=${KEY}, sentry_version=seven` }, 'invalid value for version'],
    [{ xSentryAuth: `Sentry sentry_key=${KEY}, sentry_version=70000` }, 'invalid value for version'],
    [{ rawQuery: 'sentry_version=7' }, 'missing public key in auth header'],
  ])('answers 401 bad x-sentry-auth header for %j', (input, cause) => {
    expect(parseRequestAuth({ rawQuery: '', ...input })).toEqual({
      kind: 'error',
      reason: 'invalid-auth',
      status: 401,
      detail: 'bad x-sentry-auth header',
      causes: [cause],
    });
  });
});

describe('parsePublicKey', () => {
  it.each([
    [KEY, KEY],
    [`${KEY}.no-cache`, KEY],
    ['abc', null],
    [`${KEY}0`, null],
    ['', null],
  ])('%j → %j', (raw, expected) => {
    expect(parsePublicKey(raw)).toBe(expected);
  });
});

describe('parseDsn', () => {
  it.each([
    [`https://${KEY}@o1.ingest.example.com/42`, { publicKey: KEY, projectId: '42' }],
    [`http://${KEY}:secret@127.0.0.1:9000/sentry/prefix/7`, { publicKey: KEY, projectId: '7' }],
    [`http://${KEY}@host/007/`, { publicKey: KEY, projectId: '7' }],
  ])('reads %s', (dsn, expected) => {
    expect(parseDsn(dsn)).toEqual(expected);
  });

  it.each([
    ['not a url', 'invalid dsn: not a URL'],
    [`ftp://${KEY}@host/1`, 'invalid dsn: unsupported scheme'],
    ['https://host/1', 'invalid dsn: username is empty'],
    [`https://${KEY}@host/web`, 'invalid dsn: invalid project id'],
    ['https://short@host/1', 'invalid dsn: invalid project key'],
  ])('rejects %s', (dsn, error) => {
    expect(parseDsn(dsn)).toBe(error);
  });
});
