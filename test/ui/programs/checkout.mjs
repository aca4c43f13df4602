// A tiny shop backend reporting to Faultline with the official @sentry/node SDK, unchanged.
// Usage: DSN=… RELEASE=… node checkout.mjs <type-error|range-error>
import * as Sentry from '@sentry/node';

Sentry.init({
  dsn: process.env.DSN,
  release: process.env.RELEASE,
  environment: 'production',
  serverName: 'web-1',
  sampleRate: 1,
  tracesSampleRate: 0,
});

function loadCart(userId) {
  Sentry.addBreadcrumb({ category: 'cart', message: `cart loaded for ${userId}`, level: 'info' });
  return { userId, items: [{ sku: 'book-42', price: 1200 }], coupon: null };
}

function applyCoupon(cart) {
  Sentry.addBreadcrumb({ category: 'coupon', message: 'applying coupon', level: 'warning', data: { code: 'WINTER' } });
  return cart.coupon.percent; // TypeError: cart.coupon is null
}

function chargeCard(cart, amount) {
  Sentry.addBreadcrumb({ category: 'payment', message: 'charging card', level: 'info', data: { amount } });
  if (amount < 0) throw new RangeError(`Invalid charge amount ${amount}`);
  return { ok: true };
}

Sentry.setUser({ id: 'user-7', email: 'buyer@example.com' });
Sentry.setTag('shop', 'eu');
const scenario = process.argv[2] ?? 'type-error';
const cart = loadCart('user-7');
try {
  if (scenario === 'type-error') applyCoupon(cart);
  else chargeCard(cart, -5);
} catch (err) {
  Sentry.captureException(err);
}
await Sentry.flush(5000);
