// Child process of bench/sdk.ts: sends datagrams at an offered rate. The first stdin line
// `{"dsn","poolSize"}` builds the pool: real SDK events (a chained error with context lines,
// tags, user, breadcrumbs), each encoded by the SDK's own encodeDatagram (gzip above 1 KiB);
// every later line `{"id","port","rate","durationMs","count?","kind"}` sends (rate 0 = as fast as the
// socket takes them; kind `junk` = malformed and unauthenticated datagrams) and answers
// `{"id","sent","errors","elapsedMs"}`. The same bytes go to Faultline and to the bare socket.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import * as Faultline from '../client-sdk/src/index.js';
import { encodeDatagram } from '../client-sdk/src/transports/udp.js';
import type { Envelope } from '../client-sdk/src/types.js';

interface SendSpec {
  id: string;
  port: number;
  rate: number;
  durationMs: number;
  /** Stop after this many datagrams (default: only the duration ends the step). */
  count?: number;
  kind: 'events' | 'junk';
}

const MAX_IN_FLIGHT_SENDS = 512; // libuv queues sends; bound the memory of "as fast as possible"
const socket = createSocket('udp4');
let pool: Buffer[] = [];
let junk: Buffer[] = [];

class StockError extends Error {
  override name = 'StockError';
}

function reserve(sku: number): never {
  throw new RangeError(`not enough stock for sku ${sku}`);
}

async function buildPool(dsn: string, size: number): Promise<{ size: number; avgBytes: number; gzipped: number }> {
  const envelopes: Envelope[] = [];
  Faultline.init({
    dsn,
    release: 'bench@1.0.0',
    environment: 'bench',
    serverName: 'bench-host',
    globalHandlers: false,
    transport: () => ({
      send: async (envelope) => void envelopes.push(envelope),
      flush: async () => true,
    }),
  });
  Faultline.setTag('region', 'eu-west');
  Faultline.setUser({ id: '42', email: 'buyer@example.com' });
  for (let i = 0; i < 10; i++) Faultline.addBreadcrumb({ category: 'http', message: `GET /cart/${i}` });
  for (let i = 0; i < size; i++) {
    try {
      reserve(i);
    } catch (cause) {
      Faultline.captureException(new StockError(`order ${i} could not be reserved`, { cause }));
    }
    if (i % 100 === 99) await Faultline.flush(10_000);
  }
  await Faultline.flush(10_000);
  pool = envelopes.flatMap((e) => {
    const bytes = encodeDatagram(e, { dsn, gzip: (b) => gzipSync(b) });
    return bytes ? [Buffer.from(bytes)] : [];
  });
  const key = randomBytes(16).toString('hex');
  junk = [
    randomBytes(1200),
    Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0]), randomBytes(1200)]),
    Buffer.from(`{"dsn":"udp://${key}@127.0.0.1:1/1"}\n{"type":"event"}\n{"message":"${'x'.repeat(1000)}"}`),
  ];
  return {
    size: pool.length,
    avgBytes: Math.round(pool.reduce((n, b) => n + b.length, 0) / pool.length),
    gzipped: pool.filter((b) => b[0] === 0x1f).length / pool.length,
  };
}

async function send(spec: SendSpec): Promise<{ id: string; sent: number; errors: number; elapsedMs: number }> {
  const source = spec.kind === 'junk' ? junk : pool;
  let sent = 0;
  let errors = 0;
  let inFlight = 0;
  const started = performance.now();
  const count = spec.count ?? Number.POSITIVE_INFINITY;
  const done = (err: Error | null) => {
    inFlight--;
    if (err) errors++;
  };
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= spec.durationMs || sent >= count) break;
    const due = Math.min(count, spec.rate > 0 ? Math.floor((spec.rate * elapsed) / 1000) : Number.POSITIVE_INFINITY);
    while (sent < due && inFlight < MAX_IN_FLIGHT_SENDS) {
      inFlight++;
      socket.send(source[sent % source.length]!, spec.port, '127.0.0.1', done);
      sent++;
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  while (inFlight > 0) await new Promise<void>((r) => setImmediate(r));
  return { id: spec.id, sent, errors, elapsedMs: Math.round(performance.now() - started) };
}

let first = true;
let chain = Promise.resolve();
createInterface({ input: process.stdin })
  .on('line', (line) => {
    chain = chain.then(async () => {
      const msg = JSON.parse(line) as { dsn: string; poolSize: number } | SendSpec;
      const answer = first && 'dsn' in msg ? await buildPool(msg.dsn, msg.poolSize) : await send(msg as SendSpec);
      first = false;
      process.stdout.write(`${JSON.stringify(answer)}\n`);
    });
  })
  .on('close', () => {
    void chain.then(() => {
      socket.close();
      process.exit(0);
    });
  });
