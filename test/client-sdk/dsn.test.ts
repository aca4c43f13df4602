import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dsnToString, envelopeUrl, parseDsn, SDK_VERSION } from '../../client-sdk/src/index.js';

const KEY = '0123456789abcdef0123456789abcdef';

describe('parseDsn', () => {
  it.each([
    [`http://${KEY}@127.0.0.1:9000/7`, { protocol: 'http', host: '127.0.0.1', port: '9000', path: '', projectId: '7' }],
    [
      `https://${KEY}@errors.example.com/42`,
      { protocol: 'https', host: 'errors.example.com', path: '', projectId: '42' },
    ],
    [
      `https://${KEY}@example.com/sub/path/42`,
      { protocol: 'https', host: 'example.com', path: 'sub/path', projectId: '42' },
    ],
    [`udp://${KEY}@10.0.0.5:9125/3`, { protocol: 'udp', host: '10.0.0.5', port: '9125', path: '', projectId: '3' }],
    [`udp://${KEY}@[::1]:9125/3`, { protocol: 'udp', host: '[::1]', port: '9125', projectId: '3' }],
    [`http://${KEY}:secret@localhost:80/1`, { host: 'localhost', secretKey: 'secret', projectId: '1' }],
  ])('parses %s', (text, expected) => {
    expect(parseDsn(text)).toMatchObject({ publicKey: KEY, ...expected });
  });

  it.each([
    ['not a dsn'],
    [`ftp://${KEY}@host/1`],
    ['http://host:9000/1'],
    [`http://${KEY}@host:9000/project`],
    [`udp://${KEY}@host/1`],
    [`http://${KEY}@host:9000/`],
  ])('rejects %s', (text) => {
    expect(parseDsn(text)).toBeUndefined();
  });

  it('prints a DSN back without its secret unless asked', () => {
    const dsn = parseDsn(`https://${KEY}:s3cret@example.com:8443/sub/42`)!;
    expect(dsnToString(dsn)).toBe(`https://${KEY}@example.com:8443/sub/42`);
    expect(dsnToString(dsn, true)).toBe(`https://${KEY}:s3cret@example.com:8443/sub/42`);
  });
});

describe('envelopeUrl', () => {
  it('puts the key, protocol version and client in the query string', () => {
    const dsn = parseDsn(`https://${KEY}@example.com/sub/42`)!;
    expect(envelopeUrl(dsn)).toBe(
      `https://example.com/sub/api/42/envelope/?sentry_key=${KEY}&sentry_version=7&sentry_client=faultline.javascript%2F${SDK_VERSION}`,
    );
  });
});

it('SDK_VERSION matches client-sdk/package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../client-sdk/package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  expect(SDK_VERSION).toBe(pkg.version);
});
