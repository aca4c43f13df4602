// The cheap first look at a UDP datagram (docs/udp.md): empty, gzip or plain, then a bounded
// inflate, and the envelope's first byte. What passes is envelope bytes for accept(); junk is
// turned into a drop reason here without touching the key cache, Redis or the JSON parser.
import { gunzipSync } from 'node:zlib';
import { parseDsn } from './auth.js';
import { isObject } from './envelope.js';
import { MAX_CLIENT_REPORTS_BYTES, type SizeLimits } from './limits.js';
import { drop, type Drop } from '../../server/src/shared/outcomes/outcomes.js';
import { parseJsonHeader } from './parse-json-header.js';

/** UDP/IPv4's largest payload; nothing bigger can arrive, so this is a sanity bound only. */
export const MAX_UDP_PAYLOAD_BYTES = 65_507;

/**
 * Inflated datagrams may hold one event plus a client report: bounding the inflate there keeps
 * a gzip bomb (a 64 KB datagram can claim 60+ MB) to the work of one large event.
 */
export function maxInflatedBytes(limits: SizeLimits): number {
  return Math.min(limits.maxEnvelopeBytes, limits.maxEventBytes + MAX_CLIENT_REPORTS_BYTES);
}

/** The envelope bytes of a datagram, or why it was dropped. */
export function decodeDatagram(datagram: Buffer, maxBytes: number): Buffer | Drop {
  if (datagram.length === 0) return drop('empty-body', 400, 'empty datagram');
  if (datagram.length > MAX_UDP_PAYLOAD_BYTES) return drop('too-large', 413, 'datagram exceeds the UDP payload limit');
  let bytes = datagram;
  if (datagram[0] === 0x1f && datagram[1] === 0x8b) {
    if (datagram[2] !== 0x08)
      return drop('invalid-body', 400, 'invalid datagram', ['gzip: unknown compression method']);
    // The trailer states the inflated size (ISIZE, RFC 1952): an honest bomb is refused unread;
    // a lying one still stops at maxOutputLength.
    if (datagram.length >= 18 && datagram.readUInt32LE(datagram.length - 4) > maxBytes) return tooLarge(maxBytes);
    try {
      bytes = gunzipSync(datagram, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(maxBytes);
      return drop('invalid-body', 400, 'invalid datagram', [`gzip: ${(err as Error).message}`]);
    }
  }
  // An envelope starts with its JSON header object (leading whitespace is allowed, as in Relay).
  if (firstNonSpace(bytes) !== 0x7b)
    return drop('invalid-envelope', 400, 'invalid event envelope', ['datagram is not an envelope']);
  return bytes;
}

function tooLarge(maxBytes: number): Drop {
  return drop('too-large', 413, `datagram exceeds ${maxBytes} bytes after decompression`);
}

function firstNonSpace(buf: Buffer): number | undefined {
  for (let i = 0; i < buf.length && i < 64; i++) {
    const b = buf[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return undefined;
}

/**
 * The project id of the header `dsn`: a datagram has no URL path, so the DSN's project plays
 * its part (accept() then refuses a key of another project). Undefined when there is no usable
 * dsn; accept() names the reason.
 */
export function dsnProjectId(envelope: Buffer): string | undefined {
  const head = parseJsonHeader(envelope, 0);
  if (!head.ok || !isObject(head.value) || typeof head.value.dsn !== 'string') return undefined;
  const dsn = parseDsn(head.value.dsn);
  return typeof dsn === 'string' ? undefined : dsn.projectId;
}
