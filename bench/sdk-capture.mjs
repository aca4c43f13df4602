// Child process of bench/sdk.ts: the cost of one captureException() on the calling thread, with
// the SDK as applications run it (the built package, plain `node`: no TypeScript loader, whose
// source-map hook would make every error.stack expensive) and initialised for DSN (http:// or
// udp://, a sink in another process). Each capture is timed alone; the event loop gets a turn
// after each one, as in an application that captures now and then, so the sending happens in
// between and is measured separately as CPU time per event. Prints one JSON line.
import { cpuUsage } from 'node:process';
import * as hdr from 'hdr-histogram-js';
import * as Faultline from '@faultline/client-sdk';

const ITERATIONS = Number(process.env.ITERATIONS ?? 20_000);
const WARMUP = Number(process.env.WARMUP ?? 2_000);

class PaymentError extends Error {
  name = 'PaymentError';
}

function chargeCard(order) {
  throw new TypeError(`card declined for order ${order}`);
}

function checkout(order) {
  try {
    chargeCard(order);
  } catch (cause) {
    return new PaymentError(`checkout failed for order ${order}`, { cause });
  }
  return new Error('unreachable');
}

Faultline.init({
  dsn: process.env.DSN,
  release: 'bench@1.0.0',
  environment: 'bench',
  serverName: 'bench-host',
  bufferSize: 256,
  clientReportInterval: 3600,
});
Faultline.setTag('region', 'eu-west');
Faultline.setUser({ id: '42' });
for (let i = 0; i < 20; i++) Faultline.addBreadcrumb({ category: 'http', message: `GET /cart/${i}` });

const histogram = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 10_000_000_000,
  numberOfSignificantValueDigits: 3,
});
const yieldTurn = () => new Promise((r) => setImmediate(r));

async function run(n, record) {
  for (let i = 0; i < n; i++) {
    const error = checkout(i); // created outside the timed call: that cost is the application's
    const t0 = process.hrtime.bigint();
    Faultline.captureException(error);
    const ns = Number(process.hrtime.bigint() - t0);
    if (record) histogram.recordValue(ns);
    await yieldTurn();
  }
}

await run(WARMUP, false);
await Faultline.flush(30_000);
const cpu0 = cpuUsage();
await run(ITERATIONS, true);
const delivered = await Faultline.flush(60_000);
const cpu = cpuUsage(cpu0);
const us = (ns) => Math.round(ns / 10) / 100; // ns → µs, 2 decimals

process.stdout.write(
  `${JSON.stringify({
    iterations: ITERATIONS,
    callUs: {
      p50: us(histogram.getValueAtPercentile(50)),
      p90: us(histogram.getValueAtPercentile(90)),
      p99: us(histogram.getValueAtPercentile(99)),
      p999: us(histogram.getValueAtPercentile(99.9)),
      max: us(histogram.maxValue),
      mean: us(histogram.mean),
    },
    // Everything the process did per event (the calls, building, serializing, gzip, sending), in µs.
    cpuUsPerEvent: Math.round(((cpu.user + cpu.system) / ITERATIONS) * 100) / 100,
    delivered,
  })}\n`,
);
await Faultline.close(5_000);
