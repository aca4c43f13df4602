// Hand-built zstd frames (RFC 8878) for tests: Node 20 has no zstd compressor, and raw/RLE
// blocks are simple enough to write directly.
const BLOCK_MAX = 128 * 1024;

function blockHeader(size: number, type: 0 | 1 | 2, last: boolean): Buffer {
  const h = (size << 3) | (type << 1) | (last ? 1 : 0);
  return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]);
}

/** One single-segment frame with an 8-byte content size, the data stored in raw blocks. */
export function zstdFrame(data: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32LE(0xfd2fb528, 0);
  header[4] = 0xe0; // FCS flag 3 (8 bytes) + single segment
  header.writeBigUInt64LE(BigInt(data.length), 5);
  const parts: Buffer[] = [header];
  if (data.length === 0) parts.push(blockHeader(0, 0, true));
  for (let at = 0; at < data.length; at += BLOCK_MAX) {
    const chunk = data.subarray(at, at + BLOCK_MAX);
    parts.push(blockHeader(chunk.length, 0, at + BLOCK_MAX >= data.length), chunk);
  }
  return Buffer.concat(parts);
}

/**
 * A frame without a content size whose `blocks` RLE blocks each expand 4 bytes into 128 KiB
 * of zeros (window 128 KiB): `blocks` x 128 KiB out of a few hundred bytes in.
 */
export function zstdRleBomb(blocks: number, opts: { windowLog?: number } = {}): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt32LE(0xfd2fb528, 0);
  header[4] = 0x00; // no content size, not single segment
  header[5] = ((opts.windowLog ?? 17) - 10) << 3;
  const parts: Buffer[] = [header];
  for (let i = 0; i < blocks; i++) parts.push(blockHeader(BLOCK_MAX, 1, i === blocks - 1), Buffer.from([0]));
  return Buffer.concat(parts);
}
