// Child program for process.test.ts: a rejected promise nobody handles. What happens next is
// Node's --unhandled-rejections mode (default throw: exit 1; warn: keep running).
import * as Faultline from '../../../client-sdk/src/index.js';

Faultline.init({ dsn: process.env.DSN, release: 'shop@1.4.2', serverName: 'web-1' });

async function syncStock(): Promise<void> {
  await null;
  throw new Error('stock sync rejected');
}

// A pending count must neither keep the process alive nor get lost when it ends.
Faultline.recordRequest(3);
void syncStock();
