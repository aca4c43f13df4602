// An application that leaks secrets into its error reports through the official @sentry/node
// SDK, unchanged: a password in extra data, a bearer token in the Authorization header of the
// request, a card number in the exception message, a breadcrumb and a tag.
// Usage: node leaky-app.mjs   (DSN, PASSWORD, TOKEN, CARD from the environment)
import * as Sentry from '@sentry/node';

const { PASSWORD, TOKEN, CARD } = process.env;
Sentry.init({
  dsn: process.env.DSN,
  release: 'shop@1.0.0',
  environment: 'production',
  sampleRate: 1,
  tracesSampleRate: 0,
});
Sentry.setUser({ id: 'user-7', email: 'buyer@example.com' });
Sentry.setExtra('login', { username: 'ann', password: PASSWORD });
Sentry.setTag('session_token', TOKEN);
Sentry.addBreadcrumb({
  category: 'http',
  message: `POST /charge card=${CARD}`,
  data: { url: `https://pay.example/charge?access_token=${TOKEN}` },
});

function charge() {
  throw new Error(`card ${CARD} declined`);
}

Sentry.withScope((scope) => {
  scope.addEventProcessor((event) => ({
    ...event,
    request: {
      method: 'POST',
      url: 'https://shop.example/checkout',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      data: `user=ann&password=${encodeURIComponent(PASSWORD)}&card=${CARD.replaceAll(' ', '')}`,
    },
  }));
  try {
    charge();
  } catch (err) {
    Sentry.captureException(err);
  }
});
await Sentry.flush(5000);
