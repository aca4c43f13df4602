// UDP transport for udp:// DSNs: one datagram per envelope, the envelope header carrying the
// full DSN (auth, as in Sentry tunnel envelopes), gzip when larger than 1 KiB, trimmed to fit
// MAX_UDP_DATAGRAM_BYTES. The only module that touches node:dgram, and only lazily.

import type { Socket } from 'node:dgram';
import { dsnToString } from '../dsn.js';
import { serializeEnvelope } from '../envelope.js';
import { trimEventToFit } from '../processors/trim.js';
import type { Envelope, EnvelopeItem, Event, Transport, TransportOptions } from '../types.js';
import { createTransport } from './base.js';

/** Largest datagram the SDK sends (bytes, after gzip): below the 65,507-byte UDP/IPv4 payload limit. */
export const MAX_UDP_DATAGRAM_BYTES = 65_000;
/** Smaller datagrams gain little from gzip and cost the server a decompression. */
export const UDP_GZIP_THRESHOLD_BYTES = 1024;

type Dgram = typeof import('node:dgram');
type Zlib = typeof import('node:zlib');
// Specifiers in variables: browser bundlers leave such imports alone instead of failing on them.
const DGRAM = 'node:dgram';
const ZLIB = 'node:zlib';

function importNode<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

export interface DatagramOptions {
  /** Full DSN put in the envelope header. */
  dsn: string;
  /** gzip function; omit to never compress. */
  gzip?: (bytes: Uint8Array) => Uint8Array;
  maxBytes?: number;
}

/**
 * The datagram bytes for an envelope, trimming its event if needed; null when the event cannot
 * be made small enough (or the envelope has no event to trim and is still too large).
 */
export function encodeDatagram([header, items]: Envelope, options: DatagramOptions): Uint8Array | null {
  const max = options.maxBytes ?? MAX_UDP_DATAGRAM_BYTES;
  const withDsn = { ...header, dsn: options.dsn };
  const encode = (list: EnvelopeItem[]): Uint8Array => {
    const bytes = new TextEncoder().encode(serializeEnvelope([withDsn, list]));
    return options.gzip && bytes.length > UDP_GZIP_THRESHOLD_BYTES ? options.gzip(bytes) : bytes;
  };
  const whole = encode(items);
  if (whole.length <= max) return whole;
  const index = items.findIndex((item) => item[0].type === 'event');
  const event = items[index]?.[1] as Event | undefined;
  if (!event) return null;
  // `fits` keeps the bytes of the last candidate: when trimEventToFit returns, that one fit.
  let lastBytes: Uint8Array | null = null;
  const trimmed = trimEventToFit(event, (candidate) => {
    lastBytes = encode(items.map((item, i) => (i === index ? [{ type: 'event' }, candidate] : item)));
    return lastBytes.length <= max;
  });
  return trimmed ? lastBytes : null;
}

export function makeUdpTransport(options: TransportOptions): Transport {
  const dsn = dsnToString(options.dsn, true);
  const host = options.dsn.host.replace(/^\[|\]$/g, '');
  const port = Number(options.dsn.port);
  let socket: Socket | undefined;
  let modules: Promise<[Dgram, Zlib]> | undefined;

  function openSocket(dgram: Dgram): Socket {
    if (socket) return socket;
    socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    // Errors surface in send callbacks; an 'error' event without a listener would crash the host.
    socket.on('error', () => undefined);
    socket.unref();
    return socket;
  }

  const transport = createTransport(options, async (envelope) => {
    modules ??= Promise.all([importNode<Dgram>(DGRAM), importNode<Zlib>(ZLIB)]);
    const [dgram, zlib] = await modules;
    const gzip = options.compress ? (bytes: Uint8Array) => zlib.gzipSync(bytes) : undefined;
    let datagram: Uint8Array | null = null;
    try {
      datagram = encodeDatagram(envelope, { dsn, ...(gzip ? { gzip } : {}) });
    } catch {
      // a payload JSON.stringify refuses (cycle, BigInt) from beforeSend: dropped below
    }
    if (!datagram) return { kind: 'dropped', reason: 'send_error' };
    const s = openSocket(dgram);
    await new Promise<void>((resolve, reject) => {
      s.send(datagram, port, host, (err) => (err ? reject(err) : resolve()));
    });
    return { kind: 'sent' };
  });

  return {
    ...transport,
    close() {
      try {
        socket?.close();
      } catch {
        // already closed
      }
      socket = undefined;
    },
  };
}
