// Browser transport for http(s) DSNs: fetch with keepalive (so events survive page unload) while
// the in-flight bodies stay under the browsers' 64 KiB keepalive quota, as @sentry/browser does.

import { byteLength, trySerialize } from '../envelope.js';
import type { Transport, TransportOptions } from '../types.js';
import { createTransport } from './base.js';

const KEEPALIVE_MAX_BYTES = 60_000;
const KEEPALIVE_MAX_REQUESTS = 15;

export function makeFetchTransport(options: TransportOptions): Transport {
  let pendingBytes = 0;
  let pendingCount = 0;
  return createTransport(options, async (envelope) => {
    const body = trySerialize(envelope);
    if (body === null) return { kind: 'dropped', reason: 'send_error' };
    const size = byteLength(body);
    pendingBytes += size;
    pendingCount += 1;
    try {
      // A string body is sent as text/plain, which needs no CORS preflight.
      const res = await fetch(options.url, {
        method: 'POST',
        body,
        referrerPolicy: 'strict-origin',
        keepalive: pendingBytes <= KEEPALIVE_MAX_BYTES && pendingCount <= KEEPALIVE_MAX_REQUESTS,
      });
      return {
        kind: 'sent',
        statusCode: res.status,
        retryAfter: res.headers.get('Retry-After'),
        rateLimits: res.headers.get('X-Sentry-Rate-Limits'),
      };
    } finally {
      pendingBytes -= size;
      pendingCount -= 1;
    }
  });
}
