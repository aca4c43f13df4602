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
//
// Compression is the worker's largest single cost, so it runs on one deflate stream per process,
// reset between payloads, so each body decodes on its own with the dictionary alone:
// deflateRawSync would create, set up and free a zlib stream per call. The stream is driven
// through the same handle calls Node's own deflateRawSync makes. zlib does not clear its window on
// reset and the stale bytes steer which matches it tries, so a body can differ by a few bytes
// from deflateRawSync's for the same text (about 1 in 600 in the tests), never in what it decodes
// to: every match is checked against the dictionary's and the payload's own bytes. A self-check at first use
// round-trips samples through the stream and falls back to deflateRawSync if one fails (another
// Node version driving its handle differently).
import { constants, createDeflateRaw, deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib';
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
/** Output space per handle call; a longer body continues in another chunk. */
const CHUNK = 64 * 1024;

/** The parts of Node's zlib stream that deflateRawSync itself drives. */
interface DeflateHandle {
  writeSync(
    flush: number,
    input: Buffer,
    inOff: number,
    inLen: number,
    out: Buffer,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
}

interface ReusedDeflate {
  handle: DeflateHandle;
  /** [output bytes left, input bytes left] after the last writeSync. */
  state: Uint32Array;
  /** Destroyed when zlib reported an error (it does so synchronously, through the stream). */
  stream: { readonly destroyed: boolean };
  out: Buffer;
}

/** undefined: not opened yet; null: not usable here (or failed once), deflateRawSync instead. */
let reused: ReusedDeflate | null | undefined;

export function encodePayload(json: string): Buffer {
  const input = Buffer.from(json, 'utf8');
  if (reused === undefined) reused = openReusedDeflate();
  if (reused) {
    try {
      return deflateReused(reused, input);
    } catch {
      reused = null; // a stream that failed once is not trusted again
    }
  }
  const body = deflateRawSync(input, OPTIONS);
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = FORMAT_DEFLATE_DICT_V1;
  body.copy(out, 1);
  return out;
}

/** A format byte and the deflated input, on the reused stream (reset afterwards). */
function deflateReused(z: ReusedDeflate, input: Buffer): Buffer {
  // Never write to a stream zlib closed: the native handle aborts the process on that.
  if (z.stream.destroyed) throw new Error('payload deflate stream failed');
  z.out[0] = FORMAT_DEFLATE_DICT_V1;
  let offset = 1;
  let inOff = 0;
  const chunks: Buffer[] = [];
  try {
    for (;;) {
      const outLen = z.out.length - offset;
      z.handle.writeSync(constants.Z_FINISH, input, inOff, input.length - inOff, z.out, offset, outLen);
      if (z.stream.destroyed) throw new Error('payload deflate stream failed');
      const outLeft = z.state[0]!;
      const end = offset + outLen - outLeft;
      if (outLeft > 0) {
        const last = Buffer.allocUnsafe(end);
        z.out.copy(last, 0, 0, end);
        if (chunks.length === 0) return last;
        chunks.push(last);
        return Buffer.concat(chunks);
      }
      // The output space ran out: keep what is there and continue into a fresh one.
      chunks.push(Buffer.from(z.out.subarray(0, end)));
      inOff = input.length - z.state[1]!;
      offset = 0;
    }
  } finally {
    if (!z.stream.destroyed) z.handle.reset(); // a fresh stream with the dictionary set again
  }
}

/** The reused stream, if this Node's zlib drives it the way deflateRawSync does (checked). */
function openReusedDeflate(): ReusedDeflate | null {
  try {
    const stream = createDeflateRaw(OPTIONS);
    const internals = stream as unknown as { _handle?: Partial<DeflateHandle>; _writeState?: unknown };
    const handle = internals._handle;
    const state = internals._writeState;
    if (typeof handle?.writeSync !== 'function' || typeof handle.reset !== 'function') return null;
    if (!(state instanceof Uint32Array) || state.length < 2) return null;
    stream.on('error', () => {}); // reported through `destroyed`; deflateRawSync takes over
    const z: ReusedDeflate = { handle: handle as DeflateHandle, state, stream, out: Buffer.allocUnsafe(CHUNK) };
    // On a fresh stream, byte for byte what deflateRawSync writes; then after resets, bodies
    // that decode back, one of them longer than the output space.
    const first = Buffer.from(SELF_CHECK_JSON);
    if (!deflateReused(z, first).subarray(1).equals(deflateRawSync(first, OPTIONS))) return null;
    for (const sample of [selfCheckLong(), SELF_CHECK_JSON]) {
      const got = deflateReused(z, Buffer.from(sample));
      if (got[0] !== FORMAT_DEFLATE_DICT_V1 || decodePayloadText(got) !== sample) return null;
    }
    return z;
  } catch {
    return null;
  }
}

const SELF_CHECK_JSON = '{"event_id":"0123456789abcdef0123456789abcdef","level":"error","platform":"node"}';

/** Incompressible enough to need more than one output chunk. */
function selfCheckLong(): string {
  let x = 0x9e3779b9;
  let text = '';
  while (text.length < CHUNK + 4096) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    text += (x >>> 0).toString(36);
  }
  return text;
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
