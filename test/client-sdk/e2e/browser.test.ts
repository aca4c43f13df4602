// End to end in a real browser: a page served from its own origin (a tiny static server on
// 127.0.0.1) loads the SDK and lets an error and a rejection go uncaught; both must arrive at a
// real Faultline on another origin (CORS) and be stored. Skipped without Chromium.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { PAYLOAD_COLUMNS, withPayloads } from '../../helpers/events.js';
import type { StoredPayload } from '../../../server/src/events/payload-codec.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SRC = new URL('../../../client-sdk/src/', import.meta.url);
const PARSER = fileURLToPath(
  new URL('../../../node_modules/stacktrace-parser/dist/stack-trace-parser.esm.js', import.meta.url),
);

function page(dsn: string, envelopeUrl: string): string {
  return `<!doctype html><html><head>
<script type="importmap">{"imports":{"stacktrace-parser":"/stacktrace-parser.js"}}</script>
<script type="module">
import * as Faultline from '/sdk/index.js';
Faultline.init({ dsn: ${JSON.stringify(dsn)}, release: 'web@2.0.0', environment: 'e2e-browser' });
Faultline.setTag('page', 'checkout');
Faultline.addBreadcrumb({ category: 'ui.click', message: 'button#pay' });
function pay() { throw new TypeError('uncaught in browser'); }
setTimeout(pay);
async function loadCart() { await null; throw new RangeError('rejected in browser'); }
loadCart();
// The answer to a cross-origin ingest request must be readable (CORS on every answer).
fetch(${JSON.stringify(envelopeUrl)}, { method: 'POST', body: '{}\\n{"type":"client_report"}\\n{"discarded_events":[]}' })
  .then(async (r) => { window.corsProbe = { status: r.status, body: await r.text() }; }, (e) => { window.corsProbe = { error: String(e) }; });
</script></head><body>shop</body></html>`;
}

/** A page that captures an error and opens the SDK's feedback form about it. */
function feedbackPage(dsn: string): string {
  return `<!doctype html><html><head>
<script type="importmap">{"imports":{"stacktrace-parser":"/stacktrace-parser.js"}}</script>
<script type="module">
import * as Faultline from '/sdk/index.js';
Faultline.init({ dsn: ${JSON.stringify(dsn)}, release: 'web@2.0.0', environment: 'e2e-browser', globalHandlers: false });
const eventId = Faultline.captureException(new Error('Checkout form broke'));
window.errorId = eventId;
Faultline.showFeedbackForm({ associatedEventId: eventId, name: 'Pat', onSubmitted: (id) => Faultline.flush(5000).then(() => { window.feedbackId = id; }) });
</script></head><body>shop</body></html>`;
}

/** A page load with one session of release tabs@3.0: clean, with a handled or an unhandled error (?mode=). */
function sessionPage(dsn: string): string {
  return `<!doctype html><html><head>
<script type="importmap">{"imports":{"stacktrace-parser":"/stacktrace-parser.js"}}</script>
<script type="module">
import * as Faultline from '/sdk/index.js';
const mode = new URLSearchParams(location.search).get('mode');
Faultline.init({ dsn: ${JSON.stringify(dsn)}, release: 'tabs@3.0', environment: 'e2e-browser' });
if (mode === 'handled') Faultline.captureException(new Error('coupon rejected'));
if (mode === 'unhandled') setTimeout(() => { throw new TypeError('cart total is NaN'); });
setTimeout(() => Faultline.flush(5000).then(() => { window.flushed = true; }), 50);
</script></head><body>tabs</body></html>`;
}

function startStaticServer(html: () => string, pages: Record<string, () => string> = {}): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(html());
    if (pages[path]) return void res.writeHead(200, { 'content-type': 'text/html' }).end(pages[path]());
    if (path === '/stacktrace-parser.js')
      return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(PARSER, 'utf8'));
    if (!path.startsWith('/sdk/') || path.includes('..')) return void res.writeHead(404).end();
    const source = readFileSync(new URL(path.slice('/sdk/'.length).replace(/\.js$/, '.ts'), SRC), 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(out.outputText);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface StoredEvent {
  title: string;
  level: string;
  release: string | null;
  environment: string | null;
  issue_id: string;
  payload: {
    platform: string;
    request?: { url?: string };
    breadcrumbs?: { values: Array<Record<string, unknown>> };
    exception?: {
      values: Array<{
        type: string;
        mechanism?: Record<string, unknown>;
        stacktrace?: { frames: Array<{ function?: string; filename?: string; in_app?: boolean }> };
      }>;
    };
  };
}

describe.skipIf(!existsSync(CHROMIUM))('the SDK in Chromium against a running Faultline', () => {
  let faultline: TestServer;
  let site: Server;
  let browser: Browser;
  let siteUrl: string;
  beforeAll(async () => {
    faultline = await startTestServer({ ROLE: 'all', UDP_PORT: '0' });
    const envelopeUrl = `${faultline.url}/api/${faultline.project.projectId}/envelope/?sentry_key=${faultline.project.publicKey}&sentry_version=7`;
    site = await startStaticServer(() => page(faultline.project.dsn, envelopeUrl), {
      '/feedback/': () => feedbackPage(faultline.project.dsn),
      '/session/': () => sessionPage(faultline.project.dsn),
    });
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    site?.closeAllConnections();
    await new Promise((r) => site?.close(r));
    await faultline?.stop();
  });

  it('captures an uncaught error and an unhandled rejection from a page on another origin', async () => {
    const tab = await browser.newPage();
    const consoleErrors: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await tab.goto(siteUrl);
    const events = await waitFor(
      async () => {
        const rows = withPayloads<StoredEvent['payload'], StoredPayload & Omit<StoredEvent, 'payload'>>(
          (
            await faultline.pool.query(
              `SELECT title, level, release, environment, issue_id, ${PAYLOAD_COLUMNS} FROM events WHERE project_id = $1`,
              [faultline.project.projectId],
            )
          ).rows,
        );
        return rows.length >= 2 ? rows : null;
      },
      { timeout: 40_000, message: 'browser events stored' },
    );
    expect(events.map((e) => e.title).sort()).toEqual([
      'RangeError: rejected in browser',
      'TypeError: uncaught in browser',
    ]);
    const uncaught = events.find((e) => e.title.startsWith('TypeError'))!;
    const rejected = events.find((e) => e.title.startsWith('RangeError'))!;
    for (const e of events) {
      expect(e).toMatchObject({
        release: 'web@2.0.0',
        environment: 'e2e-browser',
        payload: { platform: 'javascript', request: { url: siteUrl } },
      });
      expect(e.payload.breadcrumbs?.values).toMatchObject([{ category: 'ui.click', message: 'button#pay' }]);
    }
    expect(uncaught.payload.exception?.values.at(-1)?.mechanism).toMatchObject({ type: 'onerror', handled: false });
    expect(uncaught.payload.exception?.values.at(-1)?.stacktrace?.frames.at(-1)).toMatchObject({
      function: 'pay',
      filename: siteUrl,
      in_app: true,
    });
    expect(rejected.payload.exception?.values.at(-1)?.mechanism).toMatchObject({
      type: 'onunhandledrejection',
      handled: false,
    });
    const { rows: tags } = await faultline.pool.query<{ key: string; value: string }>(
      'SELECT key, value FROM issue_tag_values WHERE issue_id = $1',
      [uncaught.issue_id],
    );
    expect(Object.fromEntries(tags.map((t) => [t.key, t.value]))).toMatchObject({
      page: 'checkout',
      handled: 'no',
      url: siteUrl,
    });

    // CORS: the page could read Faultline's answer, and the browser blocked nothing.
    const probe = await waitFor(() => tab.evaluate(() => (window as unknown as { corsProbe?: unknown }).corsProbe));
    expect(probe).toEqual({ status: 200, body: '{}' });
    expect(consoleErrors.filter((m) => /CORS|blocked/i.test(m))).toEqual([]);
    await tab.close();
  }, 60_000);

  it('sends one session per page load, counted once under its status', async () => {
    const counts = async () =>
      Object.fromEntries(
        (
          await faultline.pool.query<{ status: string; n: number }>(
            `SELECT status, sum(count)::int AS n FROM session_counts
              WHERE project_id = $1 AND release = 'tabs@3.0' GROUP BY status HAVING sum(count) <> 0 ORDER BY status`,
            [faultline.project.projectId],
          )
        ).rows.map((r) => [r.status, r.n]),
      );
    const load = async (mode: string, expected: Record<string, number>) => {
      const tab = await browser.newPage();
      await tab.goto(`${siteUrl}session/?mode=${mode}`);
      await waitFor(() => tab.evaluate(() => (window as unknown as { flushed?: boolean }).flushed), {
        message: `the ${mode} page flushed`,
      });
      await tab.close({ runBeforeUnload: true }); // the page going away sends its session again
      await waitFor(async () => JSON.stringify(await counts()) === JSON.stringify(expected), {
        timeout: 30_000,
        message: `sessions after a ${mode} page load: ${JSON.stringify(expected)}`,
      });
    };
    await load('clean', { ok: 1 });
    await load('clean', { ok: 2 });
    await load('handled', { errored: 1, ok: 2 });
    await load('unhandled', { errored: 1, ok: 2, unhandled: 1 });
  }, 120_000);

  it('shows the optional feedback form and sends what the user wrote, linked to the error', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${siteUrl}feedback/`);
    const dialog = tab.getByRole('dialog', { name: 'Tell us what happened' });
    await dialog.getByRole('button', { name: 'Send feedback' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Please describe what happened.' }).waitFor(); // empty text is not sent
    await dialog.getByLabel('What happened?').fill('The <b>coupon</b> field ate my order');
    await dialog.getByLabel('E-mail').fill('pat@example.com');
    await dialog.getByRole('button', { name: 'Send feedback' }).click();
    const feedbackId = await waitFor(
      () => tab.evaluate(() => (window as unknown as { feedbackId?: string }).feedbackId),
      { message: 'the form submitted' },
    );
    const errorId = await tab.evaluate(() => (window as unknown as { errorId: string }).errorId);
    expect(await tab.getByRole('dialog').count()).toBe(0);
    const row = await waitFor(
      async () =>
        (
          await faultline.pool.query(
            `SELECT replace(feedback_id::text, '-', '') AS feedback_id, replace(event_id::text, '-', '') AS event_id, name, email, comments, source
       FROM user_feedback WHERE project_id = $1 AND source = 'feedback-form'`,
            [faultline.project.projectId],
          )
        ).rows[0],
      { timeout: 20_000, message: 'the stored feedback' },
    );
    expect(row).toEqual({
      feedback_id: feedbackId,
      event_id: errorId,
      name: 'Pat',
      email: 'pat@example.com',
      comments: 'The <b>coupon</b> field ate my order',
      source: 'feedback-form',
    });
    await tab.close();
  }, 60_000);
});
