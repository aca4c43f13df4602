// One spool file on disk (format in spool-record.ts): created and locked by the ingest process
// that appends to it, or adopted (locked, validated, torn tail cut) by one that replays a file
// whose owner died. The lock (proper-lockfile: a `<file>.lock` directory kept fresh while the
// owner lives) is what lets several ingest processes share one SPOOL_DIR.
import { open, unlink, type FileHandle } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { decodeHeader, decodeRecord, encodeHeader, SPOOL_HEADER_BYTES, type SpoolRecord } from './spool-record.js';

/** A lock not refreshed for this long belongs to a dead process: its file may be adopted. */
export const SPOOL_LOCK_STALE_MS = 15_000;
/** How often a live owner refreshes its locks. */
export const SPOOL_LOCK_UPDATE_MS = 5_000;
/** Bytes read per replay step (a single larger record is read whole). */
export const SPOOL_READ_CHUNK_BYTES = 4 * 1024 * 1024;

export interface SpoolFile {
  path: string;
  fh: FileHandle;
  /** End of the last complete, fsynced record: the next append goes here. */
  end: number;
  /** Offset up to which the records were handed to the queue (also kept in the header). */
  cursor: number;
  /** Records between cursor and end. */
  records: number;
  /** When the oldest record not yet replayed was spooled (ms), null when none. */
  oldestAt: number | null;
  /** Set when the lock was lost: this process no longer writes or replays the file. */
  lost: boolean;
  release: () => Promise<void>;
}

export interface ReadResult {
  records: SpoolRecord[];
  /** Offset after the last record read. */
  next: number;
  /** Reading stopped at a torn or corrupt record (before `end`). */
  torn: string | null;
}

/** Locks `path` without waiting; null when a live process holds it. */
export async function tryLock(path: string, onLost: (err: Error) => void): Promise<(() => Promise<void>) | null> {
  try {
    return await lockfile.lock(path, {
      stale: SPOOL_LOCK_STALE_MS,
      update: SPOOL_LOCK_UPDATE_MS,
      realpath: false,
      retries: 0,
      onCompromised: onLost,
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOCKED') return null;
    throw err;
  }
}

/** A new, empty spool file; the caller holds its lock. The header is fsynced before any record. */
export async function createSpoolFile(path: string, release: () => Promise<void>, dirPath: string): Promise<SpoolFile> {
  const fh = await open(path, 'wx+');
  try {
    await fh.write(encodeHeader(SPOOL_HEADER_BYTES), 0, SPOOL_HEADER_BYTES, 0);
    await fh.datasync();
    await syncDir(dirPath); // the new name survives a power loss too
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
  return {
    path,
    fh,
    end: SPOOL_HEADER_BYTES,
    cursor: SPOOL_HEADER_BYTES,
    records: 0,
    oldestAt: null,
    lost: false,
    release,
  };
}

/**
 * Opens a locked file of a dead process: reads the header, counts the records after the cursor and
 * cuts a torn tail. Null (file removed) when it is too short to hold a header: its owner died
 * while creating it, before any record could have been answered.
 */
export async function adoptSpoolFile(
  path: string,
  release: () => Promise<void>,
): Promise<{ file: SpoolFile | null; torn: string | null; cutBytes: number }> {
  const fh = await open(path, 'r+');
  try {
    const size = (await fh.stat()).size;
    const header = Buffer.alloc(SPOOL_HEADER_BYTES);
    const { bytesRead } = await fh.read(header, 0, SPOOL_HEADER_BYTES, 0);
    const cursor = bytesRead === SPOOL_HEADER_BYTES ? decodeHeader(header) : null;
    if (cursor === null && size < SPOOL_HEADER_BYTES) {
      await fh.close();
      await unlink(path);
      return { file: null, torn: null, cutBytes: size };
    }
    if (cursor === null || cursor < SPOOL_HEADER_BYTES || cursor > size)
      throw new Error(`${path} is not a spool file (bad header)`);
    const file: SpoolFile = { path, fh, end: size, cursor, records: 0, oldestAt: null, lost: false, release };
    let pos = cursor;
    let torn: string | null = null;
    while (pos < size) {
      const r = await readRecords(file, pos, size, Number.MAX_SAFE_INTEGER);
      if (r.records.length > 0) file.oldestAt ??= r.records[0]!.at;
      file.records += r.records.length;
      pos = r.next;
      if (r.torn) {
        torn = r.torn;
        break;
      }
    }
    if (pos < size) {
      await fh.truncate(pos);
      await fh.datasync();
    }
    file.end = pos;
    return { file, torn, cutBytes: size - pos };
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
}

/** Reads whole records from `from` up to `end` (at most maxRecords, about one chunk of bytes). */
export async function readRecords(
  file: Pick<SpoolFile, 'fh'>,
  from: number,
  end: number,
  maxRecords: number,
): Promise<ReadResult> {
  const records: SpoolRecord[] = [];
  let buf = await readAt(file.fh, from, Math.min(SPOOL_READ_CHUNK_BYTES, end - from));
  let pos = 0;
  while (records.length < maxRecords && from + pos < end) {
    const d = decodeRecord(buf, pos);
    if (d.kind === 'record') {
      records.push(d.record);
      pos = d.next;
    } else if (d.kind === 'corrupt') {
      return { records, next: from + pos, torn: d.detail };
    } else if (from + pos + d.need > end) {
      return { records, next: from + pos, torn: 'record cut short' };
    } else if (records.length > 0) {
      break; // the rest is in the next chunk
    } else {
      buf = await readAt(file.fh, from, d.need); // one record larger than a chunk
      if (buf.length < d.need) return { records, next: from, torn: 'file shorter than its records' };
    }
  }
  return { records, next: from + pos, torn: null };
}

/** Appends framed records at the file's end and fsyncs them; cuts a partial write back on failure. */
export async function appendRecords(file: SpoolFile, bytes: Buffer): Promise<void> {
  try {
    let written = 0;
    while (written < bytes.length) {
      const r = await file.fh.write(bytes, written, bytes.length - written, file.end + written);
      written += r.bytesWritten;
    }
    await file.fh.datasync();
    file.end += bytes.length;
  } catch (err) {
    await file.fh.truncate(file.end).catch(() => {});
    throw err;
  }
}

/** Records in the header how far the file was replayed (fsynced: a restart does not replay it twice). */
export async function writeCursor(file: SpoolFile, cursor: number): Promise<void> {
  await file.fh.write(encodeHeader(cursor), 8, 8, 8);
  await file.fh.datasync();
  file.cursor = cursor;
}

/** Closes the file and gives up its lock; removes it first when everything in it was replayed. */
export async function closeSpoolFile(file: SpoolFile, opts: { remove: boolean }): Promise<void> {
  await file.fh.close().catch(() => {});
  if (opts.remove) await unlink(file.path).catch(() => {});
  if (!file.lost) await file.release().catch(() => {});
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const r = await fh.read(buf, read, length - read, position + read);
    if (r.bytesRead === 0) break;
    read += r.bytesRead;
  }
  return read === length ? buf : buf.subarray(0, read);
}

async function syncDir(dirPath: string): Promise<void> {
  const dir = await open(dirPath, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
