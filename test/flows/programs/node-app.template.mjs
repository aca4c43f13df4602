// A small application reporting to Faultline with the official @sentry/node SDK, unchanged.
// The test writes this file into two "releases" with different padding (shifted line numbers).
// Usage: node app.mjs <scenario>   (DSN, RELEASE from the environment)
import * as Sentry from '@sentry/node';
import { chargeCard } from './lib/payments.mjs';

Sentry.init({
  dsn: process.env.DSN,
  release: process.env.RELEASE,
  environment: 'production',
  serverName: process.env.HOST_NAME ?? 'web-1',
  sampleRate: 1,
  tracesSampleRate: 0,
  defaultIntegrations: undefined,
});
/*__PADDING__*/
const scenario = process.argv[2];
Sentry.addBreadcrumb({ category: 'checkout', message: 'cart loaded', level: 'info' });
Sentry.setUser({ id: process.env.USER_ID ?? 'user-1', email: 'buyer@example.com' });
Sentry.setTag('shop', 'eu');
try {
  if (scenario === 'type-error') chargeCard({ id: 1234 }, 'type');
  if (scenario === 'range-error') chargeCard({ id: 1234 }, 'range');
} catch (err) {
  Sentry.captureException(err);
}
if (scenario === 'message') {
  Sentry.captureMessage(`Payment ${process.env.ORDER_ID ?? '1234'} failed after ${process.env.RETRIES ?? '3'} retries`);
}
await Sentry.flush(5000);
