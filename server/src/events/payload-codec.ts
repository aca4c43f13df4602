// How an event's payload is stored: the worker compresses the JSON it built into
// events.payload_z (bytea, STORAGE EXTERNAL so Postgres does not try to compress it again), a
// format byte followed by the body. Both formats use the same preset dictionary of the keys, SDK
// metadata and context shapes every event repeats (payload-dictionary-v1.ts; a dictionary never
// changes once rows use it, a better one would be a new format):
// - format 2, written now: one Zstandard frame, the dictionary loaded as raw content. About a
//   third of deflate's CPU per typical event for the same size, and a third of its decoding
//   (docs/scaling.md, "Payload codec, zstd").
// - format 1, written until 2026-12: raw deflate, levels 1 and 6 (the level is the writer's
//   choice, so both decode the same way).
// Rows written before migration 0080 keep their jsonb `payload` until retention drops them; rows
// written while 0080 added `payload_gz` hold plain gzip (migration 0126 renamed that column),
// decoded as well.
//
// Measured on the benchmark's typical events (~4.3 KB of JSON): ~1.72 KB at zstd level 3 and
// deflate level 1 alike, ~2.1 KB without the dictionary; below ~2 KB a payload also fits one
// TOAST chunk.
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { Compressor, Decompressor } from 'zstd-napi';
import binding from 'zstd-napi/binding.js';
import { PAYLOAD_DICTIONARY_V1 } from './payload-dictionary-v1.js';

const FORMAT_DEFLATE_DICT_V1 = 0x01;
const FORMAT_ZSTD_DICT_V1 = 0x02;
const DICTIONARY_V1 = Buffer.from(PAYLOAD_DICTIONARY_V1, 'utf8');
/** zstd's default level: as small as deflate level 1 here and no slower than zstd's level 1. */
export const ZSTD_LEVEL = 3;
/** The largest payload a stored frame may claim to hold: the worker never stores more than this. */
const MAX_DECODED_BYTES = 64 * 1024 * 1024;

// One compression and one decompression context per process, reused for every payload: the
// dictionary is digested once, not per call (what makes node:zlib's one-shot deflate slow here).
// Each payload is still its own frame, decodable with the dictionary alone.
let compressor: Compressor | undefined;
let decompressor: Decompressor | undefined;

function zstdCompressor(): Compressor {
  if (!compressor) {
    compressor = new Compressor();
    compressor.setParameters({ compressionLevel: ZSTD_LEVEL, checksumFlag: false, dictIDFlag: false });
    compressor.loadDictionary(DICTIONARY_V1);
  }
  return compressor;
}

function zstdDecompressor(): Decompressor {
  if (!decompressor) {
    decompressor = new Decompressor();
    decompressor.loadDictionary(DICTIONARY_V1);
  }
  return decompressor;
}

export function encodePayload(json: string): Buffer {
  const text = Buffer.from(json, 'utf8');
  const body = zstdCompressor().compress(text);
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = FORMAT_ZSTD_DICT_V1;
  body.copy(out, 1);
  return out;
}

/** The JSON text of a stored payload. */
export function decodePayloadText(stored: Buffer): string {
  if (stored[0] === FORMAT_ZSTD_DICT_V1) {
    const body = stored.subarray(1);
    const size = binding.getFrameContentSize(body);
    if (size === null || size > MAX_DECODED_BYTES)
      throw new Error(`stored payload frame declares ${size ?? 'no'} content size`);
    return zstdDecompressor().decompress(body).toString('utf8');
  }
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
