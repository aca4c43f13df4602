// Reads a request body with a byte bound applied after decompression (protocol.md §2.3):
// gzip/x-gzip, deflate (zlib), br through streaming node:zlib, zstd through fzstd's streaming
// decoder. Output is counted as it is produced, so a compression bomb stops at the limit (413)
// instead of being inflated. Never destroys the request stream: the caller still answers.
// A small compressed body (every typical SDK request) is decoded in one synchronous call with
// its output capped instead: a zlib stream per request costs several times the decoding itself.
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  brotliDecompressSync,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  gunzipSync,
  inflateSync,
} from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { COMPRESSED_SLACK_BYTES, MAX_ZSTD_WINDOW_BYTES, MAX_ZSTD_WINDOW_MOVES_BYTES } from './limits.js';
import { drop, type Drop } from '../../server/src/shared/outcomes/outcomes.js';

export type ContentEncoding = 'identity' | 'gzip' | 'deflate' | 'br' | 'zstd';

/** Maps a Content-Encoding header; null = unsupported (415). `""` and `UTF-8` are identity (old SDK quirks). */
export function parseContentEncoding(header: string | undefined): ContentEncoding | null {
  const v = (header ?? '').trim().toLowerCase();
  if (v === '' || v === 'identity' || v === 'utf-8' || v === 'utf8') return 'identity';
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  if (v === 'deflate' || v === 'br' || v === 'zstd') return v;
  return null;
}

export interface ReadBodyOptions {
  encoding: ContentEncoding;
  /** Maximum decompressed bytes. */
  limit: number;
  /** Content-Length header, when sent. */
  declaredLength?: number | undefined;
}

class TooLarge extends Error {}

export function tooLargeDrop(limit: number): Drop {
  return drop('too-large', 413, `request body exceeds the size limit of ${limit} bytes (measured after decompression)`);
}

export function corruptDrop(cause: string): Drop {
  return drop('invalid-body', 400, 'invalid request body', [cause]);
}

export async function readBody(source: Readable, opts: ReadBodyOptions): Promise<Buffer | Drop> {
  const { encoding, limit } = opts;
  // Compressed bytes beyond this cannot decompress to fewer than `limit` bytes.
  const rawLimit = encoding === 'identity' ? limit : limit + Math.ceil(limit / 100) + COMPRESSED_SLACK_BYTES;
  if (opts.declaredLength !== undefined && opts.declaredLength > rawLimit) return tooLargeDrop(limit);
  const raw = { bytes: 0 };
  try {
    if (encoding === 'identity') return await readRaw(source, limit, raw);
    if (encoding === 'zstd') return await readZstd(await collect(rawChunks(source, rawLimit, raw), rawLimit), limit);
    if (opts.declaredLength !== undefined && opts.declaredLength <= SYNC_DECODE_MAX_RAW_BYTES) {
      const body = await readRaw(source, rawLimit, raw);
      return body.length <= SYNC_DECODE_MAX_RAW_BYTES
        ? await decodeSmall(body, encoding, limit)
        : await decodeStream([body], encoding, limit);
    }
    return await decodeStream(rawChunks(source, rawLimit, raw), encoding, limit);
  } catch (err) {
    if (err instanceof TooLarge) return tooLargeDrop(limit);
    // An empty body stays empty whatever its declared encoding ("empty request body" later).
    if (raw.bytes === 0 && source.readableEnded) return Buffer.alloc(0);
    return corruptDrop((err as Error).message ?? String(err));
  }
}

/** Compressed bodies up to this size are decoded synchronously (SDK requests are a few KB). */
export const SYNC_DECODE_MAX_RAW_BYTES = 64 * 1024;
/** What a synchronous decode may produce before the stream takes over (bounds a bomb's stall). */
export const SYNC_DECODE_MAX_OUTPUT_BYTES = 256 * 1024;

/**
 * One synchronous decode, output capped at the limit or SYNC_DECODE_MAX_OUTPUT_BYTES; past the
 * cap (a large or bomb-like body) the streaming decoder goes on from the same bytes. zlib's
 * errors are the streaming decoder's ("incorrect header check", "unexpected end of file").
 */
async function decodeSmall(body: Buffer, encoding: 'gzip' | 'deflate' | 'br', limit: number): Promise<Buffer> {
  if (body.length === 0) throw new Error('unexpected end of file'); // readBody answers an empty body
  const cap = Math.min(limit, SYNC_DECODE_MAX_OUTPUT_BYTES);
  try {
    const opts = { maxOutputLength: cap };
    if (encoding === 'gzip') return gunzipSync(body, opts);
    if (encoding === 'deflate') return inflateSync(body, opts);
    return brotliDecompressSync(body, opts);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw err;
    if (cap === limit) throw new TooLarge();
    return decodeStream([body], encoding, limit);
  }
}

/** Decodes as the bytes come, counting the output: a bomb stops at the limit. */
async function decodeStream(
  raw: AsyncIterable<Buffer> | Iterable<Buffer>,
  encoding: 'gzip' | 'deflate' | 'br',
  limit: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  await pipeline(raw, zlibDecoder(encoding), async (out: AsyncIterable<unknown>) => {
    for await (const c of out) {
      const chunk = c as Buffer;
      size += chunk.length;
      if (size > limit) throw new TooLarge();
      chunks.push(chunk);
    }
  });
  return Buffer.concat(chunks, size);
}

function zlibDecoder(encoding: 'gzip' | 'deflate' | 'br'): Transform {
  if (encoding === 'gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  return createBrotliDecompress();
}

/**
 * The raw request bytes, at most `max` (else TooLarge), from the stream's own events: an async
 * iterator costs several promises per request. Stops listening (the stream is paused, never
 * destroyed) when it gives up early, so the caller still answers.
 */
function readRaw(source: Readable, max: number, count: { bytes: number }): Promise<Buffer> {
  if (source.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    const done = (err: Error | null) => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('close', onClose);
      if (err) {
        source.pause();
        reject(err);
      } else resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, count.bytes));
    };
    const onData = (chunk: Buffer) => {
      count.bytes += chunk.length;
      if (count.bytes > max) return done(new TooLarge());
      parts.push(chunk);
    };
    const onEnd = () => done(null);
    const onError = (err: Error) => done(err);
    const onClose = () => done(new Error('Premature close')); // only before 'end': done() removed this on end
    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
    source.on('close', onClose);
  });
}

/** The raw request bytes, bounded; leaves the stream usable when iteration stops early. */
async function* rawChunks(source: Readable, rawLimit: number, count: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    count.bytes += chunk.length;
    if (count.bytes > rawLimit) throw new TooLarge();
    yield chunk;
  }
}

async function collect(chunks: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > limit) throw new TooLarge();
    parts.push(chunk);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
}

const ZSTD_SLICE_BYTES = 64 * 1024;

/**
 * zstd: the raw body is already bounded, so its frames are checked up front (window size and
 * work, see limits.ts), then decoded in slices with the output counted per block; the event
 * loop gets a turn between slices.
 */
export async function readZstd(raw: Buffer, limit: number): Promise<Buffer> {
  if (raw.length === 0) return raw;
  const plan = checkZstdFrames(raw, limit);
  if (plan === 'too-large') throw new TooLarge();
  if (plan !== null) throw new Error(plan);
  const parts: Buffer[] = [];
  let size = 0;
  const decoder = new ZstdDecompress((data) => {
    size += data.length;
    if (size > limit) throw new TooLarge();
    parts.push(Buffer.from(data));
  });
  for (let at = 0; at < raw.length; at += ZSTD_SLICE_BYTES) {
    const end = Math.min(raw.length, at + ZSTD_SLICE_BYTES);
    try {
      decoder.push(raw.subarray(at, end), end === raw.length);
    } catch (err) {
      if (err instanceof TooLarge) throw err;
      throw new Error(`zstd: ${(err as Error).message}`);
    }
    if (end < raw.length) await new Promise((r) => setImmediate(r));
  }
  return Buffer.concat(parts, size);
}

/**
 * Walks the zstd frames (RFC 8878 §3.1) without decoding: returns null when acceptable,
 * 'too-large' when a frame declares more content than the limit, or an error message.
 */
export function checkZstdFrames(buf: Buffer, limit: number): null | 'too-large' | string {
  let pos = 0;
  let moves = 0;
  while (pos < buf.length) {
    if (pos + 8 > buf.length) return 'zstd: truncated frame';
    const magic = buf.readUInt32LE(pos);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      pos += 8 + buf.readUInt32LE(pos + 4); // skippable frame
      continue;
    }
    if (magic !== 0xfd2fb528) return 'zstd: unknown frame magic';
    const fhd = buf[pos + 4]!;
    if (fhd & 0x08) return 'zstd: reserved bit set';
    const single = (fhd >> 5) & 1;
    const fcsFlag = fhd >> 6;
    let p = pos + 5;
    let window = 0;
    if (!single) {
      const wd = buf[p++]!;
      const base = 2 ** ((wd >> 3) + 10);
      window = base + (base / 8) * (wd & 7);
    }
    p += [0, 1, 2, 4][fhd & 3]!; // dictionary id
    const fcsSize = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag]!;
    if (p + fcsSize > buf.length) return 'zstd: truncated frame header';
    let contentSize = -1;
    if (fcsSize === 1) contentSize = buf[p]!;
    else if (fcsSize === 2) contentSize = buf.readUInt16LE(p) + 256;
    else if (fcsSize === 4) contentSize = buf.readUInt32LE(p);
    else if (fcsSize === 8) contentSize = Number(buf.readBigUInt64LE(p));
    p += fcsSize;
    if (contentSize > limit) return 'too-large';
    if (single) window = contentSize;
    if (window > MAX_ZSTD_WINDOW_BYTES && !single)
      return `zstd: window of ${window} bytes exceeds ${MAX_ZSTD_WINDOW_BYTES}`;
    let blocks = 0;
    for (let last = 0; !last;) {
      if (p + 3 > buf.length) return 'zstd: truncated block';
      const header = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16);
      last = header & 1;
      const type = (header >> 1) & 3;
      if (type === 3) return 'zstd: reserved block type';
      p += 3 + (type === 1 ? 1 : header >>> 3);
      blocks++;
    }
    if ((fhd >> 2) & 1) p += 4; // content checksum
    moves += Math.max(window, 1) * blocks;
    if (moves > MAX_ZSTD_WINDOW_MOVES_BYTES)
      return 'zstd: stream needs too much work to decode (window too large for its block count)';
    pos = p;
  }
  return pos > buf.length ? 'zstd: truncated frame' : null;
}
