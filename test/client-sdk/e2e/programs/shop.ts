// Child program for e2e/node.test.ts: a small "shop" reporting to a real Faultline through the
// SDK (DSN, RELEASE from the env; http:// or udp://). MODE=handled sends a chained error whose
// stack runs through node_modules (zod), a message, a scoped error and a request count;
// MODE=uncaught and MODE=rejection let an error escape and end the process as Node would.
import { z } from 'zod';
import * as Faultline from '../../../../client-sdk/src/index.js';

Faultline.init({
  dsn: process.env.DSN,
  release: process.env.RELEASE,
  environment: 'e2e',
  serverName: 'shop-host-1',
  counterInterval: 3600,
});
Faultline.setTag('region', 'eu-west');
Faultline.setUser({ id: '42', email: 'buyer@example.com' });
Faultline.addBreadcrumb({ category: 'http', message: 'GET /cart', level: 'info' });
Faultline.addBreadcrumb({ category: 'db', message: 'SELECT orders', data: { rows: 0 } });

class DbError extends Error {
  override name = 'DbError';
}

function readRow(): number {
  const row = undefined as unknown as { id: number };
  return row.id;
}

function loadOrder(id: string): number {
  try {
    return readRow();
  } catch (e) {
    throw new DbError(`could not load order ${id}`, { cause: e });
  }
}

const orderId = z.string().transform((id) => loadOrder(id));

async function syncStock(): Promise<void> {
  await null;
  throw new Error('stock sync rejected');
}

const mode = process.env.MODE ?? 'handled';
if (mode === 'handled') {
  try {
    orderId.parse('981');
  } catch (e) {
    Faultline.captureException(e);
  }
  Faultline.captureMessage('Payment 1999 declined for order 981', 'warning');
  Faultline.withScope((scope) => {
    scope.setTag('job', 'stock-sync');
    Faultline.captureException(new RangeError('stock sync failed'));
  });
  Faultline.recordRequest(250);
  const delivered = await Faultline.close(5000);
  process.stdout.write(JSON.stringify({ delivered }));
} else if (mode === 'uncaught') {
  setTimeout(() => {
    throw new TypeError('boom in timer');
  }, 1);
} else if (mode === 'rejection') {
  void syncStock();
}
