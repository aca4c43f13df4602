// A service using the official @sentry/node SDK with featureFlagsIntegration: each "request"
// evaluates two flags, then always logs a stock warning, and crashes in checkout only when
// new-checkout is on (half the traffic). dark-mode is independent of both.
// Usage: node flags-app.mjs <requests>   (DSN, RELEASE from the environment)
import * as Sentry from '@sentry/node';

Sentry.init({
  dsn: process.env.DSN,
  release: process.env.RELEASE,
  environment: 'production',
  sampleRate: 1,
  tracesSampleRate: 0,
  // Consecutive identical errors are real traffic here, not a loop.
  integrations: (defaults) => [...defaults.filter((i) => i.name !== 'Dedupe'), Sentry.featureFlagsIntegration()],
});
const flags = Sentry.getClient()?.getIntegrationByName('FeatureFlags');
if (!flags) throw new Error('featureFlagsIntegration is not installed');

function stockWarning() {
  Sentry.captureException(new RangeError('stock level below reorder point'));
}
function checkout(newCheckout) {
  if (newCheckout) throw new TypeError("Cannot read properties of undefined (reading 'total')");
}

const requests = Number(process.argv[2] ?? '40');
for (let i = 0; i < requests; i++) {
  Sentry.withScope(() => {
    const newCheckout = i % 2 === 0;
    const darkMode = Math.floor(i / 2) % 2 === 0;
    flags.addFeatureFlag('new-checkout', newCheckout);
    flags.addFeatureFlag('dark-mode', darkMode);
    stockWarning();
    try {
      checkout(newCheckout);
    } catch (err) {
      Sentry.captureException(err);
    }
  });
  if (i % 10 === 9) await Sentry.flush(5000);
}
await Sentry.flush(10_000);
