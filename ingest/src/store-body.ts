// The legacy `/store/` body: one JSON event, optionally in the old base64 or base64+zlib
// encodings (protocol.md §2.4, Relay `store.rs::decode_bytes`). The JSON is parsed here because
// the event id has to be read from it; everything else about the event is the worker's job.
import { inflateSync } from 'node:zlib';
import { normalizeEventId, isObject } from './envelope.js';
import { jsonDepthExceeds } from './json-depth.js';
import { MAX_JSON_DEPTH } from './limits.js';
import { drop, type Drop } from '../../server/src/shared/outcomes/outcomes.js';
import { tooLargeDrop } from './decompress.js';

export interface StoreEvent {
  ok: true;
  /** 32 lowercase hex, or null when the event has none (the caller assigns one). */
  eventId: string | null;
  /** The event JSON text as received (after legacy decoding). */
  payload: string;
}

export function parseStoreBody(body: Buffer, opts: { limit: number; contentEncoded: boolean }): StoreEvent | Drop {
  if (body.length === 0) return drop('empty-body', 400, 'empty request body');
  let json = body;
  if (firstNonSpace(body) !== 0x7b && !opts.contentEncoded) {
    const decoded = decodeLegacy(body, opts.limit);
    if (!Buffer.isBuffer(decoded)) return decoded;
    json = decoded;
  }
  if (jsonDepthExceeds(json, MAX_JSON_DEPTH)) return invalid('recursion limit exceeded');
  const text = json.toString('utf8');
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (err) {
    return invalid((err as Error).message);
  }
  if (!isObject(event)) return invalid('the event must be a JSON object');
  const raw = event.event_id;
  let eventId: string | null = null;
  if (raw !== undefined && raw !== null) {
    const id = normalizeEventId(raw);
    if (id === undefined) return invalid('invalid value for `event_id`: expected a UUID');
    eventId = id;
  }
  return { ok: true, eventId, payload: text };
}

/** base64(JSON) or base64(zlib(JSON)); only tried when no Content-Encoding was sent. */
function decodeLegacy(body: Buffer, limit: number): Buffer | Drop {
  const text = body.toString('latin1').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(text)) return invalid('body is neither JSON nor base64');
  const decoded = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (decoded.length === 0) return invalid('body is neither JSON nor base64');
  if (decoded[0] === 0x7b) return decoded;
  try {
    return inflateSync(decoded, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return tooLargeDrop(limit);
    return invalid(`zlib: ${(err as Error).message}`);
  }
}

function firstNonSpace(buf: Buffer): number | undefined {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
  }
  return undefined;
}

function invalid(cause: string): Drop {
  return drop('invalid-body', 400, 'invalid request body', [cause]);
}
