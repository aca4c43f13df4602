// Sends COUNT errors one after another with @sentry/node (unchanged), flushing after each, then
// closes the client: used to show that the SDK stops sending after a 429 (sdk-backoff.test.ts).
import * as Sentry from '@sentry/node';

Sentry.init({ dsn: process.env.DSN, release: 'backoff@1.0.0' });
const count = Number(process.env.COUNT ?? '5');
for (let i = 0; i < count; i++) {
  Sentry.captureException(new Error(`rate limited error ${i}`));
  await Sentry.flush(5000);
}
await Sentry.close(5000);
