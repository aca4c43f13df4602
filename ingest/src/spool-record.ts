// The on-disk format of the ingest spool (spool.ts). A spool file is a 16-byte header — the
// magic "FLSPOOL1", then the offset up to which the file has been replayed (u64, big-endian) —
// followed by records framed as [u32 length][u32 CRC-32 of the payload][payload], the payload
// being one queue job as JSON. A crash in the middle of an append leaves a torn tail (a short
// frame or a checksum that does not match): readers stop there and the file is cut back to it.
import { crc32 } from 'node:zlib';

const MiB = 1024 * 1024;

export const SPOOL_MAGIC = Buffer.from('FLSPOOL1', 'latin1');
export const SPOOL_HEADER_BYTES = 16;
export const RECORD_FRAME_BYTES = 8;
/** Above any job ingest makes (envelopes are at most MAX_ENVELOPE_BYTES): a larger length is corruption. */
export const MAX_RECORD_BYTES = 256 * MiB;

/** One job as it would have been handed to the queue's bulk add, and when it was spooled. */
export interface SpoolRecord {
  /** Spooled at (ms since the epoch): the spool's age on /readyz and /metrics. */
  at: number;
  /** Queue name: replay hands the job to that queue's add function. */
  queue: string;
  name: string;
  data: unknown;
  opts?: unknown;
}

export type DecodeResult =
  | { kind: 'record'; record: SpoolRecord; next: number }
  /** The frame needs `need` bytes from `pos`, more than the buffer holds. */
  | { kind: 'incomplete'; need: number }
  | { kind: 'corrupt'; detail: string };

export function encodeHeader(replayedTo: number): Buffer {
  const header = Buffer.alloc(SPOOL_HEADER_BYTES);
  SPOOL_MAGIC.copy(header, 0);
  header.writeBigUInt64BE(BigInt(replayedTo), 8);
  return header;
}

/** The replayed-to offset of a header, or null when the bytes are not a spool header. */
export function decodeHeader(header: Buffer): number | null {
  if (header.length < SPOOL_HEADER_BYTES || !header.subarray(0, 8).equals(SPOOL_MAGIC)) return null;
  const offset = header.readBigUInt64BE(8);
  return offset > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(offset);
}

/** Frames records back to back: one buffer, written with one write call per micro-batch. */
export function encodeRecords(records: readonly SpoolRecord[]): Buffer {
  const frames: Buffer[] = [];
  for (const r of records) {
    const payload = Buffer.from(JSON.stringify(r), 'utf8');
    if (payload.length > MAX_RECORD_BYTES)
      throw new RangeError(`a spool record of ${payload.length} bytes exceeds ${MAX_RECORD_BYTES}`);
    const frame = Buffer.alloc(RECORD_FRAME_BYTES);
    frame.writeUInt32BE(payload.length, 0);
    frame.writeUInt32BE(crc32(payload), 4);
    frames.push(frame, payload);
  }
  return Buffer.concat(frames);
}

/** Decodes the record framed at `pos` of `buf` (the bytes beyond buf are unknown, not absent). */
export function decodeRecord(buf: Buffer, pos: number): DecodeResult {
  if (buf.length - pos < RECORD_FRAME_BYTES) return { kind: 'incomplete', need: RECORD_FRAME_BYTES };
  const length = buf.readUInt32BE(pos);
  if (length === 0 || length > MAX_RECORD_BYTES) return { kind: 'corrupt', detail: `record length ${length}` };
  const end = pos + RECORD_FRAME_BYTES + length;
  if (end > buf.length) return { kind: 'incomplete', need: RECORD_FRAME_BYTES + length };
  const payload = buf.subarray(pos + RECORD_FRAME_BYTES, end);
  if (crc32(payload) !== buf.readUInt32BE(pos + 4)) return { kind: 'corrupt', detail: 'checksum mismatch' };
  let record: unknown;
  try {
    record = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'corrupt', detail: 'payload is not JSON' };
  }
  if (!isSpoolRecord(record)) return { kind: 'corrupt', detail: 'payload is not a spool record' };
  return { kind: 'record', record, next: end };
}

function isSpoolRecord(v: unknown): v is SpoolRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.at === 'number' && typeof r.queue === 'string' && typeof r.name === 'string' && 'data' in r;
}
