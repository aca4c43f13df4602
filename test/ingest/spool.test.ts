// The ingest spool on real files: record framing and its torn tails, the disk bound, replay in
// order through the registered add function exactly once (also across a restart half-way through a
// replay), adoption of files whose owner died, and the spooling queue's choice between Redis and disk.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeHeader,
  decodeRecord,
  encodeHeader,
  encodeRecords,
  RECORD_FRAME_BYTES,
  SPOOL_HEADER_BYTES,
  type SpoolRecord,
} from '../../ingest/src/spool-record.js';
import { createSpool, SpoolFullError, type Spool, type SpoolJob, type SpoolOptions } from '../../ingest/src/spool.js';
import { spoolingQueue } from '../../ingest/src/spooling-queue.js';
import { waitFor } from '../helpers/wait.js';

const quiet = { info() {}, warn() {}, error() {} };
const rec = (i: number, queue = 'process-event'): SpoolRecord => ({
  at: 1_000 + i,
  queue,
  name: 'event',
  data: { v: 1, n: i, text: 'x'.repeat(i % 7) },
  opts: { jobId: `e-${i}` },
});
const job = (i: number): SpoolJob => ({ name: 'event', data: { n: i }, opts: { jobId: `e-${i}` } });

describe('spool record framing', () => {
  it('round-trips records and the header', () => {
    const buf = encodeRecords([rec(1), rec(2)]);
    const first = decodeRecord(buf, 0);
    expect(first.kind).toBe('record');
    if (first.kind !== 'record') return;
    expect(first.record).toEqual(rec(1));
    const second = decodeRecord(buf, first.next);
    expect(second).toEqual({ kind: 'record', record: rec(2), next: buf.length });
    expect(decodeHeader(encodeHeader(123_456))).toBe(123_456);
    expect(decodeHeader(Buffer.from('NOTSPOOL00000000'))).toBeNull();
  });

  const whole = encodeRecords([rec(3)]);
  const flipped = Buffer.from(whole);
  flipped.writeUInt8(flipped.readUInt8(whole.length - 2) ^ 0xff, whole.length - 2);
  const badLength = Buffer.from(whole);
  badLength.writeUInt32BE(0xffffffff, 0);
  const notJson = encodeRecords([rec(3)]);
  notJson.fill(0x20, RECORD_FRAME_BYTES); // spaces: the checksum no longer matches either
  it.each([
    ['a frame header cut short', whole.subarray(0, 5), 'incomplete'],
    ['a payload cut short', whole.subarray(0, whole.length - 1), 'incomplete'],
    ['a flipped payload byte', flipped, 'corrupt'],
    ['an impossible length', badLength, 'corrupt'],
    ['a zero length', Buffer.alloc(12), 'corrupt'],
    ['a payload that is not the one checksummed', notJson, 'corrupt'],
  ])('finds %s', (_name, buf, kind) => {
    expect(decodeRecord(buf, 0).kind).toBe(kind);
  });
});

describe('spool', () => {
  let dir: string;
  const spools: Spool[] = [];
  let ready = false;
  let added: SpoolJob[] = [];
  let shouldFail = () => false;
  const addBulk = async (jobs: SpoolJob[]) => {
    if (shouldFail()) throw new Error('redis is down');
    added.push(...jobs);
  };
  const make = (o: Partial<SpoolOptions> = {}) => {
    const s = createSpool({
      dir,
      maxBytes: 1024 * 1024,
      namespace: 'test',
      isReady: () => ready,
      log: quiet,
      replayIntervalMs: 20,
      adoptIntervalMs: 100,
      ...o,
    });
    s.register('process-event', addBulk);
    spools.push(s);
    return s;
  };
  const spoolFiles = () => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.spool')) : []);
  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'spool-test-')), 'spool');
    ready = false;
    added = [];
    shouldFail = () => false;
  });
  afterEach(async () => {
    for (const s of spools.splice(0)) await s.close();
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('keeps jobs on disk while Redis is down and replays them in order, once, when it is back', async () => {
    const s = make();
    await s.start();
    for (let i = 0; i < 10; i++) await s.append('process-event', [job(2 * i), job(2 * i + 1)]);
    expect(s.isSpooling()).toBe(true);
    expect(spoolFiles()).toHaveLength(1);
    expect(s.stats()).toMatchObject({ state: 'spooling', records: 20, files: 1, appendedTotal: 20 });
    expect(s.stats().oldestAgeSeconds).not.toBeNull();
    let calls = 0;
    shouldFail = () => ++calls === 1; // the first replay attempt fails: nothing is skipped, nothing doubled
    ready = true;
    await waitFor(() => !s.isSpooling() && spoolFiles().length === 0, {
      timeout: 10_000,
      message: 'the replay to catch up',
    });
    expect(added.map((j) => (j.data as { n: number }).n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(added[0]).toEqual(job(0));
    expect(s.stats()).toMatchObject({
      state: 'idle',
      records: 0,
      bytes: 0,
      files: 0,
      oldestAgeSeconds: null,
      replayedTotal: 20,
    });
  });

  it('refuses a micro-batch that would pass its disk bound', async () => {
    const s = make({ maxBytes: 600 });
    await s.start();
    await s.append('process-event', [job(1), job(2)]);
    await expect(
      s.append(
        'process-event',
        Array.from({ length: 20 }, (_, i) => job(i)),
      ),
    ).rejects.toBeInstanceOf(SpoolFullError);
    expect(s.stats().refusedTotal).toBe(20);
    expect(s.stats().records).toBe(2);
    const off = make({ maxBytes: 0 });
    expect(off.enabled).toBe(false);
    expect(off.canAccept()).toBe(false);
    await expect(off.append('process-event', [job(1)])).rejects.toBeInstanceOf(SpoolFullError);
  });

  it('replays a file of a stopped process from its cursor on, without the records replayed before', async () => {
    const first = make();
    await first.start();
    for (let i = 0; i < 1200; i++) await first.append('process-event', [job(i)]);
    let calls = 0;
    shouldFail = () => ++calls >= 2; // from the second bulk add on, Redis is gone: only the first 500 are replayed
    ready = true;
    await waitFor(() => added.length === 500 && calls >= 2, { timeout: 10_000, message: 'the first replayed chunk' });
    ready = false;
    await first.close(); // leaves its file (700 records not replayed) for the next start
    expect(spoolFiles()).toHaveLength(1);
    shouldFail = () => false;
    ready = true;
    const second = make();
    await second.start();
    await waitFor(() => second.stats().files === 0 && spoolFiles().length === 0, {
      timeout: 10_000,
      message: 'the adopted file replayed',
    });
    expect(added.map((j) => (j.data as { n: number }).n)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
  });

  it('cuts a torn tail off an adopted file and replays the whole records before it', async () => {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'test.1-crashed.spool');
    writeFileSync(file, Buffer.concat([encodeHeader(SPOOL_HEADER_BYTES), encodeRecords([rec(1), rec(2), rec(3)])]));
    const tail = encodeRecords([rec(4)]);
    appendFileSync(file, tail.subarray(0, tail.length - 3)); // the owner died in the middle of a write
    writeFileSync(path.join(dir, 'other.1-x.spool'), encodeHeader(SPOOL_HEADER_BYTES)); // another Redis prefix: not ours
    ready = true;
    const s = make();
    await s.start();
    await waitFor(() => added.length === 3 && s.stats().files === 0 && !existsSync(file), {
      timeout: 10_000,
      message: 'the adopted file replayed and removed',
    });
    expect(added.map((j) => j.data)).toEqual([rec(1).data, rec(2).data, rec(3).data]);
    expect(existsSync(path.join(dir, 'other.1-x.spool'))).toBe(true);
  });

  it('leaves a file whose owner lives, and adopts it once its lock is stale', async () => {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'test.1-alive.spool');
    writeFileSync(file, Buffer.concat([encodeHeader(SPOOL_HEADER_BYTES), encodeRecords([rec(7)])]));
    mkdirSync(`${file}.lock`); // its owner's lock, fresh
    ready = true;
    const s = make();
    await s.start();
    expect(s.stats().files).toBe(0);
    expect(statSync(file).size).toBeGreaterThan(SPOOL_HEADER_BYTES);
    const past = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, past, past); // the owner stopped refreshing it: it died
    await waitFor(() => added.length === 1 && s.stats().files === 0, {
      timeout: 10_000,
      message: 'the orphan adopted and replayed',
    });
    expect(added[0]!.data).toEqual(rec(7).data);
  });

  it('sends to Redis while it takes jobs, and to the spool when an add fails, then until the replay caught up', async () => {
    const s = make();
    await s.start();
    ready = true;
    const direct: SpoolJob[][] = [];
    let down = false;
    const q = spoolingQueue(
      {
        name: 'process-event',
        addBulk: async (jobs: SpoolJob[]) => {
          if (down) throw new Error('connection lost');
          direct.push(jobs);
        },
      },
      s,
      { isReady: () => ready, timeoutMs: 1000, log: quiet },
    );
    await q.addBulk([job(1)]);
    expect(direct).toEqual([[job(1)]]);
    down = true;
    await q.addBulk([job(2)]); // the add fails: spooled, and the caller sees success
    expect(s.stats().records).toBe(1); // replay fails too while the queue is down
    expect(s.isSpooling()).toBe(true);
    down = false;
    await waitFor(() => !s.isSpooling(), { timeout: 10_000, message: 'the replay' });
    await q.addBulk([job(3)]);
    expect(direct).toEqual([[job(1)], [job(2)], [job(3)]]); // replayed through the same add function, in order
  });
});
