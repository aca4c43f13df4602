// Child program for e2e/resilience.test.ts: an "application" driven by commands on stdin (one
// per line) while its Faultline is down, hangs or rate limits. Each command answers one JSON
// line: what the SDK call returned, how long it took, whether it threw, and how many timer
// ticks the application did meanwhile (its event loop kept running).
import { createInterface } from 'node:readline';
import * as Faultline from '../../../../client-sdk/src/index.js';

Faultline.init({
  dsn: process.env.DSN,
  release: 'shop@3.0.0',
  environment: 'e2e',
  serverName: 'shop-host-2',
  clientReportInterval: 3600,
});

let ticks = 0;
const heartbeat = setInterval(() => ticks++, 5); // the application's own work

async function handle(line: string): Promise<Record<string, unknown>> {
  const [command = '', arg = ''] = line.trim().split(' ');
  const started = Date.now();
  const ticksBefore = ticks;
  const result = (value: unknown) => ({
    command,
    value,
    ms: Date.now() - started,
    ticks: ticks - ticksBefore,
    threw: false,
  });
  try {
    if (command === 'capture') return result(Faultline.captureException(new Error(`order failed: ${arg}`)));
    if (command === 'flush') return result(await Faultline.flush(Number(arg)));
    if (command === 'close') {
      clearInterval(heartbeat);
      return result(await Faultline.close(Number(arg)));
    }
    return result(`unknown command ${command}`);
  } catch (err) {
    return { command, threw: true, error: String(err) };
  }
}

// Commands run one at a time, in order.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(async () => {
    process.stdout.write(`${JSON.stringify(await handle(line))}\n`);
  });
});
