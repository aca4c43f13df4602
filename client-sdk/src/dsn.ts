// DSN parsing and the endpoint derived from it (develop docs "Parsing the DSN").
// Schemes: http/https send envelopes to /api/{project}/envelope/, udp sends datagrams to host:port.

import type { Dsn } from './types.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

// scheme :// key [:secret] @ host [:port] / [prefix/] project
const DSN_PATTERN = /^(https?|udp):\/\/(\w+)(?::(\w*))?@(\[[0-9a-fA-F:.]+\]|[\w.-]+)(?::(\d+))?\/(?:(.*)\/)?(\d+)\/?$/;

/** Parses a DSN string; undefined when it is malformed (the SDK then stays disabled). */
export function parseDsn(text: string): Dsn | undefined {
  const m = DSN_PATTERN.exec(text.trim());
  if (!m) return undefined;
  const [, protocol, publicKey, secretKey, host, port, path, projectId] = m;
  if (!protocol || !publicKey || !host || !projectId) return undefined;
  // A datagram needs an explicit port; there is no well-known Faultline UDP port.
  if (protocol === 'udp' && !port) return undefined;
  return {
    protocol: protocol as Dsn['protocol'],
    publicKey,
    ...(secretKey ? { secretKey } : {}),
    host,
    ...(port ? { port } : {}),
    path: (path ?? '').replace(/^\/+|\/+$/g, ''),
    projectId,
  };
}

/** The DSN as a string; the secret is left out unless asked for (it is deprecated anyway). */
export function dsnToString(dsn: Dsn, withSecret = false): string {
  const secret = withSecret && dsn.secretKey ? `:${dsn.secretKey}` : '';
  const port = dsn.port ? `:${dsn.port}` : '';
  const path = dsn.path ? `${dsn.path}/` : '';
  return `${dsn.protocol}://${dsn.publicKey}${secret}@${dsn.host}${port}/${path}${dsn.projectId}`;
}

/** `{base}/api/{project}/envelope/?sentry_key=…&sentry_version=7&sentry_client=faultline.javascript/VER`. */
export function envelopeUrl(dsn: Dsn): string {
  const port = dsn.port ? `:${dsn.port}` : '';
  const path = dsn.path ? `/${dsn.path}` : '';
  const query = new URLSearchParams({
    sentry_key: dsn.publicKey,
    sentry_version: '7',
    sentry_client: `${SDK_NAME}/${SDK_VERSION}`,
  });
  return `${dsn.protocol}://${dsn.host}${port}${path}/api/${dsn.projectId}/envelope/?${query.toString()}`;
}
