// Steady error traffic from the official @sentry/node SDK, unchanged but for its transport's
// request function: it posts each envelope to the ingest processes in turn (INGEST_URLS,
// comma-separated) and prints `<event id> <HTTP status>` per event, so a test knows what was
// answered 200. Usage: DSN=... INGEST_URLS=... node sentry-load.mjs <duration ms> <interval ms>
import * as Sentry from '@sentry/node';

const ingests = process.env.INGEST_URLS.split(',');
let turn = 0;

function eventIdOf(body) {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  return JSON.parse(text.slice(0, text.indexOf('\n'))).event_id;
}

function makeRequest(options) {
  return (request) => {
    const target = new URL(options.url);
    const base = new URL(ingests[turn++ % ingests.length]);
    target.host = base.host;
    const eventId = eventIdOf(request.body);
    return fetch(target, { method: 'POST', body: request.body, signal: AbortSignal.timeout(10_000) }).then(
      async (res) => {
        await res.arrayBuffer();
        if (eventId) process.stdout.write(`${eventId} ${res.status}\n`); // client reports carry no event
        return { statusCode: res.status, headers: { 'retry-after': null, 'x-sentry-rate-limits': null } };
      },
      (err) => {
        if (eventId) process.stdout.write(`${eventId} error\n`);
        throw err;
      },
    );
  };
}

Sentry.init({
  dsn: process.env.DSN,
  release: 'shop@3.0.0',
  sampleRate: 1,
  tracesSampleRate: 0,
  transport: (options) => Sentry.createTransport({ ...options, bufferSize: 1000 }, makeRequest(options)),
});

function checkout(n) {
  throw new TypeError(`card declined for order ${n}`);
}

const [duration, interval] = process.argv.slice(2).map(Number);
const end = Date.now() + duration;
let n = 0;
while (Date.now() < end) {
  try {
    checkout(n++);
  } catch (err) {
    Sentry.captureException(err);
  }
  await new Promise((r) => setTimeout(r, interval));
}
await Sentry.flush(30_000);
process.stdout.write('done\n');
