// Child program for process.test.ts: handled errors (with a cause chain, captured twice),
// a message, a scoped capture and a request count, then close(). DSN comes from the env.
import * as Faultline from '../../../client-sdk/src/index.js';

Faultline.init({ dsn: process.env.DSN, release: 'shop@1.4.2', environment: 'production', serverName: 'web-1' });
Faultline.setTag('region', 'eu-west');
Faultline.setUser({ id: '42', email: 'buyer@example.com' });
Faultline.addBreadcrumb({ category: 'http', message: 'GET /cart', level: 'info' });

class DbError extends Error {
  override name = 'DbError';
}

function query(): number {
  const row = undefined as unknown as { id: number };
  return row.id;
}

function loadOrder(id: number): number {
  try {
    return query();
  } catch (e) {
    throw new DbError(`could not load order ${id}`, { cause: e });
  }
}

try {
  loadOrder(981);
} catch (e) {
  Faultline.captureException(e);
  Faultline.captureException(e);
}
Faultline.captureMessage('Payment 1999 declined for order 981', 'warning');
Faultline.withScope((scope) => {
  scope.setTag('job', 'stock-sync');
  Faultline.captureException(new RangeError('stock sync failed'));
});
Faultline.recordRequest(5);
const delivered = await Faultline.close(2000);
process.stdout.write(JSON.stringify({ delivered }));
