// Where the DSN public key of an ingest request comes from (protocol.md §1.2, Relay
// `auth_from_parts`): `X-Sentry-Auth: Sentry ...`, `Authorization: Sentry ...`,
// `Authorization: Basic base64(key:)`, the `sentry_*` query string, or (envelope endpoint only,
// when none of those exist) the envelope header `dsn`. Pure parsing, memoized per distinct text
// (memo.ts); the key lookup is shared/keys.ts.
import { boundedMemo } from './memo.js';

export type AuthSource = 'x-sentry-auth' | 'authorization' | 'basic' | 'query' | 'envelope';

export interface SentryAuth {
  /** The key exactly as sent (may carry `.flag` suffixes, validated by parsePublicKey). */
  publicKey: string;
  version: number;
  client: string | null;
  source: AuthSource;
}

export type RequestAuth =
  | { kind: 'ok'; auth: SentryAuth }
  | { kind: 'none' }
  | { kind: 'error'; reason: 'multiple-auth' | 'invalid-auth'; status: 401; detail: string; causes: string[] };

export interface AuthInput {
  xSentryAuth?: string | undefined;
  authorization?: string | undefined;
  /** Raw query string without `?`. */
  rawQuery: string;
}

/** The protocol version Relay speaks; newer → 400 (protocol.md §1.3). */
export const PROTOCOL_VERSION = 7;

const MULTIPLE: RequestAuth = {
  kind: 'error',
  reason: 'multiple-auth',
  status: 401,
  detail: 'multiple authorization payloads detected',
  causes: [],
};

/** The request's auth; the result is shared by requests with the same headers and query (read-only). */
export function parseRequestAuth(input: AuthInput): RequestAuth {
  // Length-prefixed parts: an unambiguous key whatever the texts hold. Absent and empty headers parse alike.
  const x = input.xSentryAuth ?? '';
  const a = input.authorization ?? '';
  return parseAuthMemo(`${x.length}:${a.length}:${x}${a}${input.rawQuery}`);
}

const parseAuthMemo = boundedMemo((key) => {
  const c1 = key.indexOf(':');
  const c2 = key.indexOf(':', c1 + 1);
  const xEnd = c2 + 1 + Number(key.slice(0, c1));
  const aEnd = xEnd + Number(key.slice(c1 + 1, c2));
  return parseRequestAuthText({
    xSentryAuth: key.slice(c2 + 1, xEnd),
    authorization: key.slice(xEnd, aEnd),
    rawQuery: key.slice(aEnd),
  });
});

function parseRequestAuthText(input: AuthInput): RequestAuth {
  let found: SentryAuth | null = null;
  const bad = (cause: string): RequestAuth => ({
    kind: 'error',
    reason: 'invalid-auth',
    status: 401,
    detail: 'bad x-sentry-auth header',
    causes: [cause],
  });

  if (input.xSentryAuth !== undefined && hasSentryPrefix(input.xSentryAuth)) {
    const parsed = parseAuthPairs(headerPairs(input.xSentryAuth), 'x-sentry-auth');
    if (typeof parsed === 'string') return bad(parsed);
    found = parsed;
  }
  const authorization = input.authorization;
  if (authorization !== undefined && hasSentryPrefix(authorization)) {
    if (found) return MULTIPLE;
    const parsed = parseAuthPairs(headerPairs(authorization), 'authorization');
    if (typeof parsed === 'string') return bad(parsed);
    found = parsed;
  }
  const basic = authorization !== undefined ? parseBasic(authorization) : null;
  if (basic) {
    if (found) return MULTIPLE;
    found = basic;
  }
  if (input.rawQuery.includes('sentry_')) {
    if (found) return MULTIPLE;
    const parsed = parseAuthPairs(new URLSearchParams(input.rawQuery), 'query');
    if (typeof parsed === 'string') return bad(parsed);
    found = parsed;
  }
  return found ? { kind: 'ok', auth: found } : { kind: 'none' };
}

function hasSentryPrefix(value: string): boolean {
  return value.length >= 7 && value.slice(0, 7).toLowerCase() === 'sentry ';
}

/** `Sentry k=v, k=v`: keys and values trimmed, a value ends at a second `=` (sentry-types). */
function headerPairs(value: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of value.slice(7).split(',')) {
    const kv = part.split('=');
    if (kv.length >= 2) pairs.push([kv[0]!.trim(), kv[1]!.trim()]);
  }
  return pairs;
}

/** Returns the auth or the parse error text Relay puts in `causes`. */
function parseAuthPairs(pairs: Iterable<[string, string]>, source: AuthSource): SentryAuth | string {
  const auth: SentryAuth = { publicKey: '', version: PROTOCOL_VERSION, client: null, source };
  for (const [key, value] of pairs) {
    if (key === 'sentry_key') auth.publicKey = value;
    else if (key === 'sentry_client') auth.client = value;
    else if (key === 'sentry_version') {
      const major = value.split('.')[0] ?? '';
      if (!/^\+?\d{1,5}$/.test(major) || Number(major) > 65535) return 'invalid value for version';
      auth.version = Number(major);
    }
  }
  return auth.publicKey === '' ? 'missing public key in auth header' : auth;
}

/** `Authorization: Basic base64(key:secret)`; anything undecodable is ignored, as in Relay. */
function parseBasic(value: string): SentryAuth | null {
  if (value.length < 6 || value.slice(0, 6).toLowerCase() !== 'basic ') return null;
  const encoded = value.slice(6);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { publicKey: decoded.slice(0, colon), version: PROTOCOL_VERSION, client: null, source: 'basic' };
}

/** Validates a public key: 32 ASCII characters, optionally followed by `.flag` parts (Relay `ProjectKey`). */
export function parsePublicKey(raw: string): string | null {
  const key = raw.split('.')[0] ?? '';
  return key.length === 32 && /^[\x21-\x7e]+$/.test(key) ? key : null;
}

export interface ParsedDsn {
  publicKey: string;
  projectId: string;
}

/**
 * `{scheme}://{key}[:{secret}]@{host}[:{port}][/{prefix}]/{project_id}`; returns the error text on
 * failure. Every envelope of an SDK carries the same dsn: the result is shared (read-only).
 */
export const parseDsn: (dsn: string) => ParsedDsn | string = boundedMemo(parseDsnText);

function parseDsnText(dsn: string): ParsedDsn | string {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    return 'invalid dsn: not a URL';
  }
  // udp: Faultline's own SDK puts its udp:// DSN in the envelope header of datagrams (docs/udp.md).
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'udp:')
    return 'invalid dsn: unsupported scheme';
  // A bad percent-escape (`%ea`) makes decodeURIComponent throw: it is the client's error.
  const publicKey = safeDecodeURIComponent(url.username);
  if (publicKey === null) return 'invalid dsn: malformed percent-escape in the username';
  if (!publicKey) return 'invalid dsn: username is empty';
  const projectId = url.pathname.replace(/\/+$/, '').split('/').pop() ?? '';
  if (!/^\d+$/.test(projectId)) return 'invalid dsn: invalid project id';
  if (!parsePublicKey(publicKey)) return 'invalid dsn: invalid project key';
  return { publicKey, projectId: normalizeProjectId(projectId) };
}

/** decodeURIComponent without the URIError: null when the text holds a malformed escape. */
export function safeDecodeURIComponent(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** `007` and `7` name the same project (Relay parses a u64). */
export function normalizeProjectId(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '');
}
