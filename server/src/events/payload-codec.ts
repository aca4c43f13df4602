// How an event's payload is stored: the worker compresses the JSON it built into
// events.payload_z (bytea, STORAGE EXTERNAL so Postgres does not try to compress it again), a
// format byte followed by the body. Format 1: raw deflate with a preset dictionary of the keys,
// SDK metadata and context shapes every event repeats (payload-dictionary-v1.ts; a dictionary
// never changes once rows use it, a better one would be format 2). The deflate level is the
// writer's choice and not part of the format: rows written at level 6 and at level 1 decode the
// same way, so a build that writes either can read both. Rows written before migration 0080 keep
// their jsonb `payload` until retention drops them; rows written while 0080 added `payload_gz`
// hold plain gzip (migration 0126 renamed that column), decoded as well.
//
// Measured on the benchmark's typical events (~4.8 KB of JSON, docs/scaling.md): ~1.94 KB at
// level 1 against ~1.79 KB at level 6, ~2.2 KB without the dictionary and ~3 KB for Postgres' own
// lz4 on the text (~4.2 KB a row once TOAST's chunk and index are counted); below ~2 KB a payload
// also fits one TOAST chunk.
import { deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib';
import { PAYLOAD_DICTIONARY_V1 } from './payload-dictionary-v1.js';

const FORMAT_DEFLATE_DICT_V1 = 0x01;
const DICTIONARY_V1 = Buffer.from(PAYLOAD_DICTIONARY_V1, 'utf8');
/**
 * Level 1 costs about a quarter less CPU per typical event than level 6 (the level format 1 was
 * first written at) and stores ~150 bytes more, which Postgres' pages absorb (docs/scaling.md).
 * Levels 2-3 land in between on both.
 */
const LEVEL = 1;
const OPTIONS = { level: LEVEL, dictionary: DICTIONARY_V1 };

export function encodePayload(json: string): Buffer {
  const body = deflateRawSync(json, OPTIONS);
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = FORMAT_DEFLATE_DICT_V1;
  body.copy(out, 1);
  return out;
}

/** The JSON text of a stored payload. */
export function decodePayloadText(stored: Buffer): string {
  if (stored[0] === FORMAT_DEFLATE_DICT_V1)
    return inflateRawSync(stored.subarray(1), { dictionary: DICTIONARY_V1 }).toString('utf8');
  // Plain gzip: rows written while 0080 named the column payload_gz (renamed by 0126).
  if (stored[0] === 0x1f && stored[1] === 0x8b) return gunzipSync(stored).toString('utf8');
  throw new Error(`unknown stored payload format ${stored[0]}`);
}

/** A stored row's payload columns, as selected by `PAYLOAD_COLUMNS`. */
export interface StoredPayload {
  payloadZ: Buffer | null;
  payloadJson: Record<string, unknown> | null;
}

/** The columns of `events` decodePayload needs (unqualified: select them where events is the only table with these names). */
export const PAYLOAD_COLUMNS = `payload_z AS "payloadZ", payload AS "payloadJson"`;

/** The stored payload, or only its `keys` (top-level members) when given. */
export function decodePayload(row: StoredPayload, keys?: readonly string[]): Record<string, unknown> {
  const full = row.payloadZ
    ? (JSON.parse(decodePayloadText(row.payloadZ)) as Record<string, unknown>)
    : (row.payloadJson ?? {});
  if (!keys) return full;
  const picked: Record<string, unknown> = {};
  for (const k of keys) picked[k] = full[k] ?? null;
  return picked;
}
