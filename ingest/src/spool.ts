// The ingest spool: when Redis cannot take a micro-batch of queue jobs, ingest appends exactly the
// jobs it would have handed to the queue's bulk add to a local append-only file (SPOOL_DIR),
// fsynced before the 200; a replayer hands them to that same add function, in order, once Redis
// is back. Until the replay has caught up, new jobs are spooled too, so the order holds. Files of
// ingest processes that died (SIGKILL, crash) are adopted at start and every few seconds by
// whichever process sharing the directory locks them first. Format: spool-record.ts; files: spool-file.ts.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { encodeRecords, type SpoolRecord } from './spool-record.js';
import {
  adoptSpoolFile,
  appendRecords,
  closeSpoolFile,
  createSpoolFile,
  readRecords,
  tryLock,
  writeCursor,
  type SpoolFile,
} from './spool-file.js';

/** How often the replayer looks whether Redis is back. */
export const SPOOL_REPLAY_INTERVAL_MS = 200;
/** How often the directory is scanned for files of dead ingest processes. */
export const SPOOL_ADOPT_INTERVAL_MS = 5_000;
/** Jobs per bulk add when replaying. */
export const SPOOL_REPLAY_BATCH = 500;
/** A replayed bulk add that takes longer is retried on the next tick. */
export const SPOOL_REPLAY_TIMEOUT_MS = 10_000;
/** At shutdown, time given to replaying what is left before the files are left for the next start. */
export const SPOOL_CLOSE_REPLAY_MS = 5_000;

export interface SpoolJob {
  name: string;
  data: unknown;
  opts?: unknown;
}

type AddBulk = (jobs: SpoolJob[]) => Promise<unknown>;

export interface SpoolLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SpoolOptions {
  dir: string;
  /** Bound on the bytes of this process' spool files; 0 turns the spool off. */
  maxBytes: number;
  /** Files are named after it, and only files of the same namespace (the Redis prefix) are adopted. */
  namespace: string;
  /** True while the queue's Redis is reachable (a client's status: no round trip). */
  isReady: () => boolean;
  log: SpoolLog;
  now?: () => number;
  replayIntervalMs?: number;
  adoptIntervalMs?: number;
}

export interface SpoolStats {
  /** off: SPOOL_MAX_MB=0; idle: nothing spooled; spooling: new jobs go to the spool; replaying: only files of dead processes are left. */
  state: 'off' | 'idle' | 'spooling' | 'replaying';
  bytes: number;
  records: number;
  files: number;
  /** Age of the oldest job not yet replayed. */
  oldestAgeSeconds: number | null;
  /** The next micro-batch may not fit: ingest answers 503. */
  full: boolean;
  appendedTotal: number;
  replayedTotal: number;
  refusedTotal: number;
}

export interface Spool {
  readonly enabled: boolean;
  /** True from the first spooled job until the replay has caught up: new jobs must be spooled too. */
  isSpooling(): boolean;
  /** Whether an append may succeed (on, and below its bound). */
  canAccept(): boolean;
  /** Appends and fsyncs; rejects with SpoolFullError when over its bound, or the write error. */
  append(queue: string, jobs: readonly SpoolJob[]): Promise<void>;
  /** The add function replay hands a queue's jobs to. */
  register(queue: string, addBulk: AddBulk): void;
  /** Adopts files of dead processes and starts the replayer. */
  start(): Promise<void>;
  stats(): SpoolStats;
  close(): Promise<void>;
}

export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

interface PendingAppend {
  bytes: Buffer;
  records: number;
  at: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export function createSpool(opts: SpoolOptions): Spool {
  const now = opts.now ?? Date.now;
  const { log } = opts;
  const enabled = opts.maxBytes > 0;
  const filePrefix = `${opts.namespace.replace(/[^A-Za-z0-9_-]/g, '_')}.`;
  const targets = new Map<string, AddBulk>();
  const adopted: SpoolFile[] = [];
  let own: SpoolFile | null = null;
  let spooling = false;
  let pending: PendingAppend[] = [];
  let pendingBytes = 0;
  let writing: Promise<void> | null = null;
  let ticking: Promise<void> | null = null;
  let closed = false;
  /** Replay stops starting new batches after this (set by close()). */
  let replayUntil = Infinity;
  const timers: NodeJS.Timeout[] = [];
  const totals = { appended: 0, replayed: 0, refused: 0 };

  const files = () => (own ? [...adopted, own] : [...adopted]);
  const diskBytes = () => files().reduce((n, f) => n + f.end, 0) + pendingBytes;

  function onLost(file: SpoolFile) {
    return (err: Error) => {
      log.error(
        { err, path: file.path },
        'spool file lock lost: this process stops using the file, another ingest process replays it',
      );
      file.lost = true;
      if (own === file) own = null;
      const i = adopted.indexOf(file);
      if (i >= 0) adopted.splice(i, 1);
      void closeSpoolFile(file, { remove: false });
    };
  }

  async function openOwnFile(): Promise<SpoolFile> {
    await mkdir(opts.dir, { recursive: true });
    const file = path.join(opts.dir, `${filePrefix}${now()}-${randomUUID().slice(0, 8)}.spool`);
    const holder: { file?: SpoolFile } = {};
    const release = await tryLock(file, (err) => holder.file && onLost(holder.file)(err));
    if (!release) throw new Error(`spool file ${file} is locked by another process`);
    holder.file = await createSpoolFile(file, release, opts.dir).catch(async (err: unknown) => {
      await release().catch(() => {});
      throw err;
    });
    log.warn({ path: file }, 'queue unreachable: spooling accepted events to disk');
    return holder.file;
  }

  // Group commit: every append waiting while one write+fsync runs goes into the next one.
  async function writeLoop(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      const bytes = Buffer.concat(batch.map((p) => p.bytes));
      try {
        own ??= await openOwnFile();
        const file = own;
        await appendRecords(file, bytes);
        file.records += batch.reduce((n, p) => n + p.records, 0);
        file.oldestAt ??= batch[0]!.at;
        totals.appended += batch.reduce((n, p) => n + p.records, 0);
        batch.forEach((p) => p.resolve());
      } catch (err) {
        log.error({ err, dir: opts.dir }, 'spool write failed, answering 503');
        const failure = err instanceof Error ? err : new Error(String(err));
        batch.forEach((p) => p.reject(failure));
      } finally {
        pendingBytes -= bytes.length;
      }
    }
  }

  // An append can arrive after the loop's last look at `pending` but before its promise settled.
  function startWriting(): void {
    if (writing) return;
    writing = writeLoop().finally(() => {
      writing = null;
      if (pending.length > 0) startWriting();
    });
  }

  async function replayFile(file: SpoolFile): Promise<boolean> {
    while (file.cursor < file.end && !file.lost && now() < replayUntil) {
      const chunk = await readRecords(file, file.cursor, file.end, SPOOL_REPLAY_BATCH);
      if (chunk.records.length > 0) file.oldestAt = chunk.records[0]!.at;
      for (const run of runsByQueue(chunk.records)) {
        const add = targets.get(run.queue);
        if (!add) {
          log.error(
            { queue: run.queue, jobs: run.jobs.length, path: file.path },
            'spooled jobs name an unknown queue; skipped',
          );
          continue;
        }
        try {
          await withTimeout(add(run.jobs), SPOOL_REPLAY_TIMEOUT_MS);
        } catch (err) {
          log.warn({ err, path: file.path }, 'spool replay failed, retrying');
          return false;
        }
      }
      if (file.lost) return false;
      if (chunk.torn) {
        log.error(
          { path: file.path, offset: chunk.next, detail: chunk.torn },
          'spool file damaged; the records after this point are skipped',
        );
        file.end = chunk.next;
      }
      await writeCursor(file, chunk.next);
      file.records -= chunk.records.length;
      totals.replayed += chunk.records.length;
    }
    if (file.cursor >= file.end) file.oldestAt = null;
    return !file.lost && file.cursor >= file.end; // caught up
  }

  async function replay(): Promise<void> {
    if (!opts.isReady()) return;
    while (adopted.length > 0) {
      const file = adopted[0]!;
      if (!(await replayFile(file))) return;
      adopted.shift();
      await closeSpoolFile(file, { remove: true });
      log.info({ path: file.path }, 'adopted spool file replayed');
    }
    if (own && !(await replayFile(own))) return;
    // Caught up, and nothing is being written: from here on jobs go straight to the queue.
    if (pending.length > 0 || writing || (own && own.cursor < own.end)) return;
    const done = own;
    own = null;
    spooling = false;
    if (done) {
      await closeSpoolFile(done, { remove: true });
      log.warn({ path: done.path }, 'spool replayed: events go to the queue again');
    }
  }

  function tick(): Promise<void> {
    ticking ??= replay()
      .catch((err: unknown) => log.error({ err }, 'spool replay failed'))
      .finally(() => {
        ticking = null;
      });
    return ticking;
  }

  async function adoptOrphans(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(opts.dir)).filter((n) => n.startsWith(filePrefix) && n.endsWith('.spool')).sort();
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return;
      throw err;
    }
    const known = new Set(files().map((f) => f.path));
    for (const name of names) {
      const file = path.join(opts.dir, name);
      if (known.has(file) || closed) continue;
      const holder: { file?: SpoolFile } = {};
      const release = await tryLock(file, (err) => holder.file && onLost(holder.file)(err));
      if (!release) continue; // its owner lives
      try {
        const { file: opened, torn, cutBytes } = await adoptSpoolFile(file, release);
        if (torn)
          log.warn(
            { path: file, detail: torn, cutBytes },
            'spool file had a torn tail; cut back to its last whole record',
          );
        if (!opened) {
          await release();
          continue;
        }
        holder.file = opened;
        adopted.push(opened);
        log.warn({ path: file, records: opened.records }, 'adopted the spool file of a stopped ingest process');
      } catch (err) {
        await release().catch(() => {});
        if ((err as { code?: string }).code !== 'ENOENT') log.error({ err, path: file }, 'could not adopt spool file');
      }
    }
  }

  function adopt(): void {
    adoptOrphans().catch((err: unknown) => log.error({ err, dir: opts.dir }, 'spool directory scan failed'));
  }

  return {
    enabled,
    isSpooling: () => spooling,
    canAccept: () => enabled && !closed && diskBytes() < opts.maxBytes,
    append(queue, jobs) {
      if (!enabled || closed) return Promise.reject(new SpoolFullError('the spool is off'));
      const at = now();
      const bytes = encodeRecords(
        jobs.map((j): SpoolRecord => ({ at, queue, name: j.name, data: j.data, opts: j.opts })),
      );
      if (diskBytes() + bytes.length > opts.maxBytes) {
        totals.refused += jobs.length;
        return Promise.reject(new SpoolFullError(`the spool holds ${diskBytes()} of ${opts.maxBytes} bytes`));
      }
      spooling = true;
      pendingBytes += bytes.length;
      return new Promise<void>((resolve, reject) => {
        pending.push({ bytes, records: jobs.length, at, resolve, reject });
        startWriting();
      });
    },
    register(queue, addBulk) {
      targets.set(queue, addBulk);
    },
    async start() {
      if (!enabled) return;
      await adoptOrphans();
      timers.push(setInterval(() => void tick(), opts.replayIntervalMs ?? SPOOL_REPLAY_INTERVAL_MS).unref());
      timers.push(setInterval(adopt, opts.adoptIntervalMs ?? SPOOL_ADOPT_INTERVAL_MS).unref());
      void tick();
    },
    stats() {
      const fs = files();
      const oldest = fs.reduce<number | null>(
        (m, f) => (f.oldestAt === null ? m : Math.min(m ?? f.oldestAt, f.oldestAt)),
        null,
      );
      return {
        state: !enabled ? 'off' : spooling ? 'spooling' : fs.length > 0 ? 'replaying' : 'idle',
        bytes: fs.reduce((n, f) => n + (f.end - f.cursor), 0),
        records: fs.reduce((n, f) => n + f.records, 0),
        files: fs.length,
        oldestAgeSeconds: oldest === null ? null : Math.max(0, (now() - oldest) / 1000),
        full: enabled && diskBytes() >= opts.maxBytes,
        appendedTotal: totals.appended,
        replayedTotal: totals.replayed,
        refusedTotal: totals.refused,
      };
    },
    async close() {
      if (closed) return;
      timers.forEach(clearInterval);
      await writing;
      replayUntil = now() + SPOOL_CLOSE_REPLAY_MS;
      await ticking;
      if (files().length > 0) await tick(); // what Redis takes within the budget; a batch under way finishes
      closed = true;
      if (files().length > 0)
        log.warn(
          { dir: opts.dir, jobs: files().reduce((n, f) => n + f.records, 0) },
          'spool not fully replayed before shutdown; the next start replays it',
        );
      for (const f of files()) await closeSpoolFile(f, { remove: f.cursor >= f.end });
      adopted.length = 0;
      own = null;
    },
  };
}

/** Consecutive records of one queue, as that queue's bulk-add jobs. */
function runsByQueue(records: readonly SpoolRecord[]): Array<{ queue: string; jobs: SpoolJob[] }> {
  const runs: Array<{ queue: string; jobs: SpoolJob[] }> = [];
  for (const r of records) {
    const job: SpoolJob =
      r.opts === undefined ? { name: r.name, data: r.data } : { name: r.name, data: r.data, opts: r.opts };
    const last = runs.at(-1);
    if (last?.queue === r.queue) last.jobs.push(job);
    else runs.push({ queue: r.queue, jobs: [job] });
  }
  return runs;
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
