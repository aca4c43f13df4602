// Outbound HTTP for webhooks that cannot be aimed at our own network: the host is resolved and
// every address checked (loopback, link-local, private, v4 and v6, v4-mapped) at connect time,
// so DNS rebinding cannot slip past; allow-listed hosts/ranges pass. Timeout; no redirects.
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, request } from 'undici';

const MAX_RESPONSE_BYTES = 64 * 1024; // enough for an error message; the rest is discarded

export class UnsafeTargetError extends Error {
  override name = 'UnsafeTargetError';
}

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  blocked.addSubnet(net, bits, 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d or ::ffff:xxxx:xxxx). */
function mappedV4(address: string): string | null {
  const m = /^::ffff:(?:0{1,4}:)?([0-9a-f.:]+)$/i.exec(address);
  if (!m) return null;
  const tail = m[1]!;
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex) return null;
  const n = (parseInt(hex[1]!, 16) << 16) | parseInt(hex[2]!, 16);
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** Loopback, link-local, private, CGNAT, multicast, reserved or documentation space. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = mappedV4(address);
  return v4 !== null ? blocked.check(v4, 'ipv4') : blocked.check(address, 'ipv6');
}

function allowList(entries: string[]): { hosts: Set<string>; ranges: BlockList } {
  const hosts = new Set<string>();
  const ranges = new BlockList();
  for (const entry of entries) {
    const [net, bits] = entry.split('/');
    const family = isIP(net ?? '');
    if (family === 0) hosts.add(entry.toLowerCase());
    else if (bits === undefined) ranges.addAddress(net!, family === 4 ? 'ipv4' : 'ipv6');
    else ranges.addSubnet(net!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  }
  return { hosts, ranges };
}

export function isAllowedAddress(address: string, allowedHosts: string[]): boolean {
  if (!isBlockedAddress(address)) return true;
  const { ranges } = allowList(allowedHosts);
  const v4 = isIP(address) === 6 ? mappedV4(address) : null;
  return v4 !== null ? ranges.check(v4, 'ipv4') : ranges.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
}

export interface SafeHttpOptions {
  allowedHosts: string[];
  timeoutMs: number;
}

export interface SafeResponse {
  status: number;
  body: string;
}

/** POSTs `body`; throws UnsafeTargetError for a refused target, other errors for network failures. */
export async function safePost(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  opts: SafeHttpOptions,
): Promise<SafeResponse> {
  const url = new URL(rawUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UnsafeTargetError(`refused ${url.protocol} URL: only http and https`);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const hostAllowed = allowList(opts.allowedHosts).hosts.has(host);
  if (isIP(host) !== 0 && !hostAllowed && !isAllowedAddress(host, opts.allowedHosts)) {
    throw new UnsafeTargetError(
      `refused ${host}: private, loopback or link-local address (add it to WEBHOOK_ALLOWED_HOSTS to allow)`,
    );
  }
  const agent = new Agent({
    connect: { lookup: checkedLookup(hostAllowed, opts.allowedHosts), timeout: opts.timeoutMs },
  });
  try {
    const res = await request(url, {
      method: 'POST',
      body,
      headers,
      dispatcher: agent,
      signal: AbortSignal.timeout(opts.timeoutMs),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    return { status: res.statusCode, body: await readCapped(res.body) };
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof UnsafeTargetError) throw cause;
    throw err;
  } finally {
    await agent.close().catch(() => {}); // nothing is left to flush; a close failure changes nothing
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup replacement that only ever hands the socket an address that passed the check. */
function checkedLookup(hostAllowed: boolean, allowedHosts: string[]) {
  return (hostname: string, options: { all?: boolean }, cb: LookupCallback): void => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return cb(err, []);
      const ok = addresses.filter((a) => hostAllowed || isAllowedAddress(a.address, allowedHosts));
      if (ok.length === 0) {
        const list = addresses.map((a) => a.address).join(', ');
        return cb(
          Object.assign(
            new UnsafeTargetError(
              `refused ${hostname} (${list}): private, loopback or link-local address (add it to WEBHOOK_ALLOWED_HOSTS to allow)`,
            ),
            { code: 'EUNSAFE' },
          ),
          [],
        );
      }
      if (options.all) return cb(null, ok);
      cb(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

async function readCapped(body: AsyncIterable<Buffer | string> & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buf);
    size += buf.length;
    if (size >= MAX_RESPONSE_BYTES) {
      body.destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE_BYTES);
}
