import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isAllowedAddress,
  isBlockedAddress,
  safePost,
  UnsafeTargetError,
} from '../../../server/src/alerts/safe-http.js';
import { startReceiver } from '../../helpers/alert-fixtures.js';

describe('isBlockedAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.9.9.9', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['8.8.8.8', false],
    ['93.184.216.34', false],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fc00::1', true],
    ['fd12:3456::1', true],
    ['ff02::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['64:ff9b::7f00:1', true],
    ['2606:4700::1111', false],
    ['not-an-ip', true],
  ])('%s → %s', (address, blocked) => {
    expect(isBlockedAddress(address)).toBe(blocked);
  });

  it.each([
    ['127.0.0.1', ['127.0.0.1'], true],
    ['10.2.3.4', ['10.0.0.0/8'], true],
    ['10.2.3.4', ['192.168.0.0/16'], false],
    ['::ffff:127.0.0.1', ['127.0.0.0/8'], true],
    ['::1', ['127.0.0.1'], false],
    ['8.8.8.8', [], true],
  ])('isAllowedAddress(%s, %j) → %s', (address, allow, ok) => {
    expect(isAllowedAddress(address, allow)).toBe(ok);
  });
});

describe('safePost', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver((path) => (path === '/redirect' ? 302 : 200));
  });
  afterAll(async () => {
    await receiver.close();
  });

  const port = () => new URL(receiver.url).port;

  it.each([
    ['a loopback IP literal', () => `${receiver.url}/hook`],
    ['a name resolving to loopback', () => `http://localhost:${port()}/hook`],
    ['an IPv4-mapped IPv6 literal', () => `http://[::ffff:127.0.0.1]:${port()}/hook`],
  ])('refuses %s without an allow-list entry', async (_name, url) => {
    await expect(safePost(url(), '{}', {}, { allowedHosts: [], timeoutMs: 2000 })).rejects.toBeInstanceOf(
      UnsafeTargetError,
    );
    expect(receiver.received.filter((r) => r.path === '/hook')).toHaveLength(0);
  });

  it('refuses non-http schemes', async () => {
    await expect(
      safePost('file:///etc/passwd', '', {}, { allowedHosts: ['127.0.0.1'], timeoutMs: 2000 }),
    ).rejects.toBeInstanceOf(UnsafeTargetError);
  });

  it.each([
    ['the IP', ['127.0.0.1']],
    ['a CIDR range', ['127.0.0.0/8']],
    ['the host name', ['localhost']],
  ])('posts when %s is allow-listed', async (_name, allowedHosts) => {
    const res = await safePost(
      `http://localhost:${port()}/ok`,
      '{"a":1}',
      { 'content-type': 'application/json' },
      { allowedHosts, timeoutMs: 2000 },
    );
    expect(res.status).toBe(200);
    expect(receiver.received.at(-1)).toMatchObject({ path: '/ok', body: '{"a":1}' });
  });

  it('does not follow redirects', async () => {
    const res = await safePost(`${receiver.url}/redirect`, '{}', {}, { allowedHosts: ['127.0.0.1'], timeoutMs: 2000 });
    expect(res.status).toBe(302);
    expect(receiver.received.filter((r) => r.path === '/elsewhere')).toHaveLength(0);
  });

  it('gives up after the timeout', async () => {
    const silent = await import('node:net').then(({ createServer }) => createServer(() => {}));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;
    try {
      await expect(
        safePost(`http://127.0.0.1:${silentPort}/`, '{}', {}, { allowedHosts: ['127.0.0.1'], timeoutMs: 300 }),
      ).rejects.toThrow();
    } finally {
      silent.close();
    }
  });
});
