// A job reporting its runs with the official @sentry/node SDK's captureCheckIn, unchanged.
// Usage: node check-in-app.mjs <slug> <scenario>   (DSN from the environment)
//   interval: in_progress then ok, with an interval monitor_config (every 2 hours, New York);
//   crontab: one ok check-in that changes the config to a crontab in Vienna;
//   error: in_progress then error.
import * as Sentry from '@sentry/node';

Sentry.init({ dsn: process.env.DSN, environment: 'production', tracesSampleRate: 0 });
const [slug, scenario] = process.argv.slice(2);

const intervalConfig = {
  schedule: { type: 'interval', value: 2, unit: 'hour' },
  checkinMargin: 5,
  maxRuntime: 30,
  timezone: 'America/New_York',
  failureIssueThreshold: 1,
  recoveryThreshold: 1,
};
const crontabConfig = {
  schedule: { type: 'crontab', value: '15 4 1 1 *' },
  checkinMargin: 10,
  maxRuntime: 60,
  timezone: 'Europe/Vienna',
  failureIssueThreshold: 2,
  recoveryThreshold: 3,
};

if (scenario === 'crontab') {
  Sentry.captureCheckIn({ monitorSlug: slug, status: 'ok', duration: 0.25 }, crontabConfig);
} else {
  const checkInId = Sentry.captureCheckIn({ monitorSlug: slug, status: 'in_progress' }, intervalConfig);
  await new Promise((r) => setTimeout(r, 50));
  Sentry.captureCheckIn(
    { checkInId, monitorSlug: slug, status: scenario === 'error' ? 'error' : 'ok', duration: 1.5 },
    intervalConfig,
  );
}
await Sentry.flush(5000);
