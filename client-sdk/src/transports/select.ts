// Picks the transport for a DSN: the user's factory if given, else by scheme — udp:// → datagrams,
// http(s):// → node:http in Node, fetch in browsers.

import { dsnToString, envelopeUrl } from '../dsn.js';
import type { Dsn, Options, Transport, TransportOptions } from '../types.js';
import { DEFAULT_BUFFER_SIZE } from './buffer.js';
import { makeFetchTransport } from './fetch.js';
import { makeHttpTransport } from './http.js';
import { makeUdpTransport } from './udp.js';

export function transportForDsn(
  dsn: Dsn,
  options: Options,
  hooks: Pick<TransportOptions, 'recordDroppedEvent' | 'restoreClientReport'>,
  isNode: boolean,
): Transport {
  const transportOptions: TransportOptions = {
    dsn,
    url: dsn.protocol === 'udp' ? dsnToString(dsn) : envelopeUrl(dsn),
    bufferSize: options.bufferSize ?? DEFAULT_BUFFER_SIZE,
    compress: options.compress ?? true,
    ...hooks,
  };
  if (options.transport) return options.transport(transportOptions);
  if (dsn.protocol === 'udp') return makeUdpTransport(transportOptions);
  return isNode ? makeHttpTransport(transportOptions) : makeFetchTransport(transportOptions);
}
