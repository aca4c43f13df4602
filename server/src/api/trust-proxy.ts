// TRUST_PROXY: when `X-Forwarded-For` names the client. Off by default: any client can write
// that header, so trusting it unconditionally lets one address pose as many (the login limit,
// rate limits and request logs all key on the client address). With a hop count the address
// that many proxies before the socket is the client; with a list of proxy addresses or CIDRs
// the chain is walked back from the socket past trusted proxies only (Express' trust proxy).
import { BlockList, isIP } from 'node:net';

export type TrustProxy =
  { kind: 'off' } | { kind: 'hops'; hops: number } | { kind: 'list'; list: BlockList; text: string };

/** Most `X-Forwarded-For` entries read: a longer header is someone's game, not a proxy chain. */
const MAX_FORWARDED_ENTRIES = 32;

/** `` / `false` → off; `1`..`10` → hops; `10.0.0.1, 10.1.0.0/16, ::1` → list. Throws on anything else. */
export function parseTrustProxy(text: string): TrustProxy {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'false' || t === 'off' || t === '0') return { kind: 'off' };
  if (/^\d{1,2}$/.test(t)) return { kind: 'hops', hops: Number(t) };
  const list = new BlockList();
  for (const part of t
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [addr, bits, extra] = part.split('/');
    const family = isIP(addr ?? '');
    if (!family || extra !== undefined) throw new Error(`not an IP address or CIDR: ${part}`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr!, type);
    else {
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === 6 ? 128 : 32)) throw new Error(`bad CIDR prefix: ${part}`);
      list.addSubnet(addr!, prefix, type);
    }
  }
  return { kind: 'list', list, text: t };
}

/** The client's address for a request from `socketAddress` carrying `forwardedFor`. */
export function clientAddress(socketAddress: string, forwardedFor: string, trust: TrustProxy): string {
  const socket = unmap(socketAddress);
  if (trust.kind === 'off' || forwardedFor === '') return socket;
  const forwarded = forwardedFor
    .split(',', MAX_FORWARDED_ENTRIES + 1)
    .slice(0, MAX_FORWARDED_ENTRIES)
    .map((s) => unmap(s.trim()));
  const chain = [...forwarded, socket]; // nearest proxy last
  if (trust.kind === 'hops') return validOr(chain[Math.max(0, chain.length - 1 - trust.hops)]!, socket);
  let i = chain.length - 1;
  while (i > 0 && isTrusted(chain[i]!, trust.list)) i--;
  return validOr(chain[i]!, socket);
}

function isTrusted(address: string, list: BlockList): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

function validOr(address: string, fallback: string): string {
  return isIP(address) ? address : fallback;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) → `10.0.0.1`. */
function unmap(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
