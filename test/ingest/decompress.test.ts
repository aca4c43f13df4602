// Bounded body reading: every encoding round-trips, limits apply to decompressed bytes, and a
// bomb stops being read (and inflated) shortly after the limit.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { checkZstdFrames, parseContentEncoding, readBody, type ContentEncoding } from '../../ingest/src/decompress.js';
import { zstdFrame, zstdRleBomb } from '../helpers/zstd.js';

const MiB = 1024 * 1024;
const brotli = (b: Buffer) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });

/** A request-like stream over `data` in chunks that counts how much was pulled. */
function source(data: Buffer, chunkSize = 16 * 1024): { stream: Readable; consumed: () => number } {
  let consumed = 0;
  function* chunks() {
    for (let i = 0; i < data.length; i += chunkSize) {
      const c = data.subarray(i, i + chunkSize);
      consumed += c.length;
      yield c;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), consumed: () => consumed };
}

const compressors: Record<Exclude<ContentEncoding, 'identity'>, (b: Buffer) => Buffer> = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotli,
  zstd: zstdFrame,
};

describe('parseContentEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['UTF-8', 'identity'],
    [' GZIP ', 'gzip'],
    ['x-gzip', 'gzip'],
    ['deflate', 'deflate'],
    ['br', 'br'],
    ['zstd', 'zstd'],
    ['compress', null],
    ['gzip, br', null],
  ])('maps %j to %j', (header, expected) => {
    expect(parseContentEncoding(header)).toBe(expected);
  });
});

describe('readBody', () => {
  const data = Buffer.from('{"message":"' + 'abc'.repeat(50_000) + '"}');

  it.each(Object.entries(compressors))('round-trips %s', async (encoding, compress) => {
    const body = await readBody(source(compress(data)).stream, { encoding: encoding as ContentEncoding, limit: MiB });
    expect(Buffer.isBuffer(body) && body.equals(data)).toBe(true);
  });

  it.each(['gzip', 'deflate', 'br', 'zstd'] as const)('reads an empty %s body as empty', async (encoding) => {
    expect(await readBody(source(Buffer.alloc(0)).stream, { encoding, limit: MiB })).toEqual(Buffer.alloc(0));
  });

  it('reads identity bodies up to exactly the limit', async () => {
    const body = await readBody(source(data).stream, { encoding: 'identity', limit: data.length });
    expect(Buffer.isBuffer(body) && body.equals(data)).toBe(true);
    expect(await readBody(source(data).stream, { encoding: 'identity', limit: data.length - 1 })).toMatchObject({
      status: 413,
      reason: 'too-large',
    });
  });

  it('rejects a declared Content-Length over the limit without reading', async () => {
    const src = source(data);
    expect(await readBody(src.stream, { encoding: 'identity', limit: 10, declaredLength: data.length })).toMatchObject({
      status: 413,
    });
    expect(src.consumed()).toBe(0);
  });

  it.each([
    ['gzip', (b: Buffer) => gzipSync(b, { level: 1 })],
    ['deflate', (b: Buffer) => deflateSync(b, { level: 1 })],
  ] as const)('stops reading a %s bomb soon after the limit', async (encoding, compress) => {
    // 32 MiB of zeros, fed in ~64 pieces: the reader must stop after the first few.
    const bomb = compress(Buffer.alloc(32 * MiB));
    const src = source(bomb, Math.max(1, Math.floor(bomb.length / 64)));
    const result = await readBody(src.stream, { encoding, limit: MiB });
    expect(result).toMatchObject({ status: 413, reason: 'too-large' });
    expect(src.consumed()).toBeLessThan(bomb.length / 2);
  });

  it('stops a brotli bomb at the limit', async () => {
    const bomb = brotli(Buffer.alloc(32 * MiB)); // ~100 bytes: too small to observe early stopping
    expect(await readBody(source(bomb, 8).stream, { encoding: 'br', limit: MiB })).toMatchObject({
      status: 413,
      reason: 'too-large',
    });
  });

  it('stops decoding a zstd RLE bomb at the limit', async () => {
    const bomb = zstdRleBomb(2048); // 256 MiB of zeros from 8 KiB
    expect(await readBody(source(bomb).stream, { encoding: 'zstd', limit: MiB })).toMatchObject({
      status: 413,
      reason: 'too-large',
    });
  });

  it.each([
    ['gzip', Buffer.from('definitely not gzip')],
    ['deflate', Buffer.from('definitely not zlib')],
    ['br', Buffer.from([0xff, 0xff, 0xff, 0xff])],
    ['zstd', Buffer.from('definitely not zstd')],
    ['gzip', gzipSync(data).subarray(0, 100)],
  ] as const)('answers 400 for a corrupt %s stream', async (encoding, body) => {
    const result = await readBody(source(body).stream, { encoding, limit: MiB });
    expect(result).toMatchObject({ status: 400, reason: 'invalid-body', detail: 'invalid request body' });
  });
});

describe('checkZstdFrames', () => {
  it('accepts raw and RLE frames and skippable frames', () => {
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]);
    expect(checkZstdFrames(Buffer.concat([skippable, zstdFrame(Buffer.from('hi')), zstdRleBomb(3)]), MiB)).toBeNull();
  });

  it('reports a declared content size over the limit as too large', () => {
    expect(checkZstdFrames(zstdFrame(Buffer.alloc(2048)), 1024)).toBe('too-large');
  });

  it('refuses windows over 8 MiB and streams whose window moves exceed the budget', () => {
    expect(checkZstdFrames(zstdRleBomb(1, { windowLog: 24 }), MiB)).toMatch(/window of 16777216 bytes/);
    expect(checkZstdFrames(zstdRleBomb(300, { windowLog: 23 }), MiB)).toMatch(/too much work/);
  });

  it('reports truncated frames', () => {
    expect(checkZstdFrames(zstdRleBomb(3).subarray(0, 10), MiB)).toMatch(/truncated/);
  });
});

describe('readBody, small bodies with a Content-Length (decoded in one synchronous call)', () => {
  const event = Buffer.from(JSON.stringify({ message: 'hello', extra: { n: 'x'.repeat(3000) } }));
  const read = (body: Buffer, encoding: ContentEncoding, limit = MiB) =>
    readBody(source(body).stream, { encoding, limit, declaredLength: body.length });

  it.each(['gzip', 'deflate', 'br'] as const)('round-trips %s', async (encoding) => {
    expect(await read(compressors[encoding](event), encoding)).toEqual(event);
  });

  it.each(['gzip', 'deflate', 'br'] as const)(
    'answers the same as the streaming decoder for a corrupt %s body',
    async (encoding) => {
      const good = compressors[encoding](event);
      for (const body of [Buffer.from('definitely not compressed'), good.subarray(0, Math.floor(good.length / 2))]) {
        const small = await read(body, encoding);
        const streamed = await readBody(source(body).stream, { encoding, limit: MiB });
        expect(small).toMatchObject({ status: 400, reason: 'invalid-body', detail: 'invalid request body' });
        expect(small).toEqual(streamed);
      }
    },
  );

  it('answers 413 for a small bomb under a small limit, and for one past the synchronous cap', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * MiB, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(await read(bomb, 'gzip', 1000)).toMatchObject({ status: 413, reason: 'too-large' });
    expect(await read(bomb, 'gzip', 2 * MiB)).toMatchObject({ status: 413, reason: 'too-large' });
  });

  it('hands a small body that inflates past the synchronous cap to the streaming decoder', async () => {
    const big = Buffer.alloc(MiB, 0x20);
    for (const limit of [2 * MiB, MiB]) {
      const body = await read(gzipSync(big), 'gzip', limit);
      expect(Buffer.isBuffer(body) && body.equals(big)).toBe(true); // toEqual on a MiB is slow
    }
  });

  it('reads an empty gzip-declared body as empty', async () => {
    expect(await read(Buffer.alloc(0), 'gzip')).toEqual(Buffer.alloc(0));
  });
});

describe('readBody, a request that ends early', () => {
  it.each(['identity', 'gzip'] as const)(
    'answers 400 for a %s body whose stream closes before its end',
    async (encoding) => {
      const stream = new Readable({ read() {} });
      stream.push(Buffer.from('{"message":'));
      setTimeout(() => stream.destroy(), 10);
      const result = await readBody(stream, { encoding, limit: MiB, declaredLength: 100 });
      expect(result).toMatchObject({ status: 400, reason: 'invalid-body', causes: ['Premature close'] });
    },
  );

  it('answers 400 with the stream error when the request fails', async () => {
    const stream = new Readable({ read() {} });
    stream.push(Buffer.from('{"message":'));
    setTimeout(() => stream.destroy(new Error('aborted')), 10);
    expect(await readBody(stream, { encoding: 'identity', limit: MiB })).toMatchObject({
      status: 400,
      causes: ['aborted'],
    });
  });
});
