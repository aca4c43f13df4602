// A page using the real @sentry/browser: an error, then the user's feedback about it
// (Sentry.captureFeedback, linked to the error's event id). DSN injected at build time.
import * as Sentry from '@sentry/browser';

Sentry.init({ dsn: __SENTRY_DSN__, environment: 'production', release: 'shop@3.1.0' });

function payOrder(order) {
  return order.card.number;
}

let eventId;
try {
  payOrder({});
} catch (err) {
  eventId = Sentry.captureException(err);
}
Sentry.captureFeedback({
  message: 'The pay button did nothing. My card 4111 1111 1111 1111 was charged twice! api_key=sk_live_abcdef0123456789',
  name: 'Jane Doe',
  email: 'jane@example.com',
  associatedEventId: eventId,
  url: 'https://shop.example/checkout',
});
Sentry.flush(5000).then(() => {
  window.__done = eventId;
});
