// Node transport for http(s) DSNs: one POST per envelope with node:http/https, gzip above
// 32 KiB like the Sentry Node SDK. Node modules are imported lazily so that a browser bundle
// containing this file never loads them; sockets are unref'd so the SDK never keeps the process alive.

import { trySerialize } from '../envelope.js';
import { SDK_NAME, SDK_VERSION } from '../version.js';
import type { RequestResult, Transport, TransportOptions } from '../types.js';
import { createTransport } from './base.js';

const GZIP_THRESHOLD_BYTES = 32 * 1024;
/** A request that takes longer than this counts as a network error. */
const REQUEST_TIMEOUT_MS = 30_000;

// Specifiers in variables: browser bundlers leave such imports alone instead of failing on them.
const HTTP = 'node:http';
const HTTPS = 'node:https';
const ZLIB = 'node:zlib';

function importNode<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

export function makeHttpTransport(options: TransportOptions): Transport {
  const url = new URL(options.url);
  return createTransport(options, async (envelope) => {
    const [http, zlib] = await Promise.all([
      importNode<typeof import('node:http')>(url.protocol === 'https:' ? HTTPS : HTTP),
      importNode<typeof import('node:zlib')>(ZLIB),
    ]);
    const text = trySerialize(envelope);
    if (text === null) return { kind: 'dropped', reason: 'send_error' };
    let body: Buffer = Buffer.from(text, 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/x-sentry-envelope',
      'user-agent': `${SDK_NAME}/${SDK_VERSION}`,
    };
    if (body.length > GZIP_THRESHOLD_BYTES) {
      body = zlib.gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.length);
    return new Promise<RequestResult>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        res.on('error', () => undefined);
        // The body is not needed; reading it frees the socket.
        res.resume();
        resolve({
          kind: 'sent',
          statusCode: res.statusCode,
          retryAfter: headerValue(res.headers['retry-after']),
          rateLimits: headerValue(res.headers['x-sentry-rate-limits']),
        });
      });
      req.on('socket', (socket) => socket.unref());
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });
  });
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(',') : value;
}
