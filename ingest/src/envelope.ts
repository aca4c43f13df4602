// Envelope parser (protocol.md §3), byte-exact with Relay's `Envelope::parse_bytes`: headers are
// JSON objects ended by `\n` or EOF, payloads use `length` or run to the next `\n`, nothing but
// one optional `\n` may follow the last item. Payloads are never parsed here (the worker does
// that); items are subarrays of the input. Pure: no I/O, no clock.
import { parseJsonHeader } from './parse-json-header.js';

export interface EnvelopeItem {
  type: string;
  headers: Record<string, unknown>;
  payload: Buffer;
}

export interface Envelope {
  headers: Record<string, unknown>;
  items: EnvelopeItem[];
}

/** `causes` follow Relay's error chain: `["invalid item header", "<json error>"]`. */
export type ParseEnvelopeResult = { ok: true; envelope: Envelope } | { ok: false; causes: string[] };

const U32_MAX = 0xffffffff;

export function parseEnvelope(buf: Buffer): ParseEnvelopeResult {
  const head = parseJsonHeader(buf, 0);
  if (!head.ok) return fail(head.eof ? ['missing envelope header'] : ['invalid envelope header', head.error]);
  if (!isObject(head.value))
    return fail(['invalid envelope header', `invalid type: ${jsonType(head.value)}, expected struct EnvelopeHeaders`]);
  if (!isTerminated(buf, head.end)) return fail(['missing newline after header or payload']);

  const items: EnvelopeItem[] = [];
  let offset = head.end + 1;
  while (offset < buf.length) {
    const parsed = parseItem(buf, offset);
    if ('causes' in parsed) return fail(parsed.causes);
    items.push(parsed.item);
    offset = parsed.next;
  }
  return { ok: true, envelope: { headers: head.value, items } };
}

function parseItem(buf: Buffer, offset: number): { item: EnvelopeItem; next: number } | { causes: string[] } {
  const h = parseJsonHeader(buf, offset);
  if (!h.ok) return { causes: h.eof ? ['unexpected end of file'] : ['invalid item header', h.error] };
  if (!isObject(h.value))
    return { causes: ['invalid item header', `invalid type: ${jsonType(h.value)}, expected struct ItemHeaders`] };
  const headers = h.value;
  const invalid = checkItemHeaders(headers, h.numberLiterals);
  if (invalid) return { causes: ['invalid item header', invalid] };
  if (!isTerminated(buf, h.end)) return { causes: ['missing newline after header or payload'] };

  // The last header needs no newline, so the payload may start past the end (empty payload).
  const start = Math.min(h.end + 1, buf.length);
  let end: number;
  const length = headers.length;
  if (typeof length === 'number') {
    end = start + length;
    if (end > buf.length) return { causes: ['unexpected end of file'] };
    if (!isTerminated(buf, end)) return { causes: ['missing newline after header or payload'] };
  } else {
    const nl = buf.indexOf(0x0a, start);
    end = nl === -1 ? buf.length : nl;
  }
  const item = { type: headers.type as string, headers, payload: buf.subarray(start, end) };
  return { item, next: end + 1 };
}

/** Type checks serde applies to the item header fields we rely on; returns the error or null. */
function checkItemHeaders(headers: Record<string, unknown>, literals: Map<string, string>): string | null {
  if (!('type' in headers)) return 'missing field `type`';
  if (typeof headers.type !== 'string')
    return `invalid type: ${jsonType(headers.type)}, expected a string for \`type\``;
  for (const key of ['length', 'item_count']) {
    const v = headers[key];
    if (v === undefined || v === null) continue;
    if (!isU32Literal(literals.get(key))) return `invalid value for \`${key}\`: expected u32`;
  }
  for (const key of ['filename', 'content_type', 'attachment_type']) {
    const v = headers[key];
    if (v !== undefined && v !== null && typeof v !== 'string')
      return `invalid type: ${jsonType(v)}, expected a string for \`${key}\``;
  }
  return null;
}

function isU32Literal(literal: string | undefined): boolean {
  return literal !== undefined && /^(0|[1-9]\d{0,9})$/.test(literal) && Number(literal) <= U32_MAX;
}

/** Each header and explicit-length payload must be followed by `\n` or the end of the body. */
function isTerminated(buf: Buffer, at: number): boolean {
  return at >= buf.length || buf[at] === 0x0a;
}

function fail(causes: string[]): ParseEnvelopeResult {
  return { ok: false, causes };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'sequence';
  if (typeof v === 'object') return 'map';
  return typeof v === 'number'
    ? 'number'
    : typeof v === 'string'
      ? `string ${JSON.stringify(v)}`
      : `boolean \`${String(v)}\``;
}

export interface EnvelopeMeta {
  /** Normalized 32-hex event id; null when absent, null or the nil UUID (the caller generates one). */
  eventId: string | null;
  dsn: string | null;
  origin: string | null;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Reads and type-checks the envelope header fields ingest uses (`event_id`, `dsn`, `origin`, `sent_at`). */
export function readEnvelopeMeta(
  headers: Record<string, unknown>,
): { ok: true; meta: EnvelopeMeta } | { ok: false; causes: string[] } {
  const bad = (msg: string) => ({ ok: false as const, causes: ['invalid envelope header', msg] });
  let eventId: string | null = null;
  if (headers.event_id !== undefined && headers.event_id !== null) {
    const id = normalizeEventId(headers.event_id);
    if (id === undefined) return bad('invalid value for `event_id`: expected a UUID');
    eventId = id;
  }
  const sentAt = headers.sent_at;
  if (sentAt !== undefined && sentAt !== null && (typeof sentAt !== 'string' || !RFC3339.test(sentAt))) {
    return bad('invalid value for `sent_at`: expected an RFC 3339 timestamp');
  }
  const { dsn, origin } = headers;
  if (dsn !== undefined && dsn !== null && typeof dsn !== 'string')
    return bad('invalid type for `dsn`: expected a string');
  if (origin !== undefined && origin !== null && typeof origin !== 'string')
    return bad('invalid type for `origin`: expected a string');
  return { ok: true, meta: { eventId, dsn: dsn ?? null, origin: origin ?? null } };
}

const NIL_ID = '0'.repeat(32);

/**
 * Event ids arrive as 32 hex (canonical), hyphenated (sentry-cli), braced or `urn:uuid:` UUIDs.
 * Returns 32 lowercase hex, null for the nil UUID (meaning "assign one"), undefined if invalid.
 */
export function normalizeEventId(value: unknown): string | null | undefined {
  if (typeof value !== 'string') return undefined;
  let s = value;
  if (s.length === 45 && s.slice(0, 9).toLowerCase() === 'urn:uuid:') s = s.slice(9);
  else if (s.length === 38 && s[0] === '{' && s[37] === '}') s = s.slice(1, 37);
  if (s.length === 36) {
    if (s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') return undefined;
    s = s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24);
  }
  if (s.length !== 32 || !/^[0-9a-fA-F]{32}$/.test(s)) return undefined;
  const id = s.toLowerCase();
  return id === NIL_ID ? null : id;
}
