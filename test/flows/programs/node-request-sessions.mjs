// Request-mode release health from the official @sentry/node SDK, unchanged: a real HTTP server
// whose requests become session aggregates. It calls itself: OK requests, requests with a handled
// error (errored) and with an unhandled one (crashed), then flushes the aggregates.
// Usage: node node-request-sessions.mjs   (DSN, RELEASE, OK, ERRORED, CRASHED from the environment)
import * as Sentry from '@sentry/node';
import { createServer } from 'node:http';

Sentry.init({ dsn: process.env.DSN, release: process.env.RELEASE, environment: 'production', tracesSampleRate: 0 });

const server = createServer((req, res) => {
  if (req.url === '/errored') Sentry.captureException(new Error('card declined'));
  if (req.url === '/crashed')
    Sentry.captureException(new Error('worker died'), { mechanism: { type: 'test', handled: false } });
  res.end('done');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
for (const [path, n] of [
  ['/ok', process.env.OK],
  ['/errored', process.env.ERRORED],
  ['/crashed', process.env.CRASHED],
]) {
  for (let i = 0; i < Number(n); i++) await (await fetch(`${base}${path}`)).text();
}
await new Promise((resolve) => server.close(resolve));
await Sentry.flush(5000);
