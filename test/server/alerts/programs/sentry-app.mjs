// An application reporting to Faultline with the official @sentry/node SDK, unchanged.
// Usage: node sentry-app.mjs <scenario> [count]   (DSN and USER_ID from the environment)
//   checkout: a TypeError in chargeCard; refund: a RangeError in refundOrder;
//   quota: a custom QuotaError; several: one of each. `count` repeats the capture (messages differ, so the SDK's
//   dedupe integration keeps them; the stack, and so the issue, stays the same).
import * as Sentry from '@sentry/node';

Sentry.init({
  dsn: process.env.DSN,
  release: 'shop@2.4.1',
  environment: 'production',
  sampleRate: 1,
  tracesSampleRate: 0,
});
Sentry.setUser({ id: process.env.USER_ID ?? 'user-1', email: 'buyer@example.com' });
Sentry.setTag('shop', 'eu');

class QuotaError extends Error {
  name = 'QuotaError';
}

function chargeCard(order, n) {
  if (n > 0) order.note = `attempt ${n}`;
  return order.card.number; // TypeError: order.card is undefined
}

function refundOrder(amount) {
  return new Array(amount); // RangeError for a negative amount
}

function checkQuota(n) {
  throw new QuotaError(`quota exceeded for tenant ${n}`);
}

const scenario = process.argv[2];
const count = Number(process.argv[3] ?? 1);
for (let i = 0; i < count; i++) {
  try {
    if (scenario === 'checkout') chargeCard({ id: 1234 + i }, i);
    if (scenario === 'refund') refundOrder(-1 - i);
    if (scenario === 'quota') checkQuota(i);
    if (scenario === 'several') {
      for (const run of [() => chargeCard({ id: 1 }, 0), () => refundOrder(-1), () => checkQuota(0)]) {
        try {
          run();
        } catch (err) {
          Sentry.captureException(err);
        }
      }
    }
  } catch (err) {
    if (i > 0 && scenario === 'checkout') err.message += ` (retry ${i})`;
    Sentry.captureException(err);
  }
}
await Sentry.flush(5000);
