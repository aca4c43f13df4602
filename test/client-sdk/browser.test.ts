// The SDK in a real (headless) Chromium: a page loads the SDK source (transpiled on the fly),
// captures a handled error, and lets an error and a rejection go uncaught. Skipped without Chromium.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { eventsOf, startHttpRecorder, type HttpRecorder } from '../helpers/sdk-recorder.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SRC = new URL('../../client-sdk/src/', import.meta.url);
const PARSER = fileURLToPath(
  new URL('../../node_modules/stacktrace-parser/dist/stack-trace-parser.esm.js', import.meta.url),
);

function page(dsn: string): string {
  return `<!doctype html><html><head>
<script type="importmap">{"imports":{"stacktrace-parser":"/stacktrace-parser.js"}}</script>
<script type="module">
import * as Faultline from '/sdk/index.js';
Faultline.init({ dsn: ${JSON.stringify(dsn)}, release: 'web@1.0.0' });
Faultline.addBreadcrumb({ category: 'ui.click', message: 'button#pay' });
function pay() { throw new Error('handled in browser'); }
try { pay(); } catch (e) { Faultline.captureException(e); }
setTimeout(() => { throw new TypeError('uncaught in browser'); });
Promise.reject(new RangeError('rejected in browser'));
</script></head><body></body></html>`;
}

function serve(dsn: () => string) {
  return (path: string) => {
    if (path === '/') return { type: 'text/html', body: page(dsn()) };
    if (path === '/stacktrace-parser.js') return { type: 'text/javascript', body: readFileSync(PARSER, 'utf8') };
    if (!path.startsWith('/sdk/')) return undefined;
    const source = readFileSync(new URL(path.slice('/sdk/'.length).replace(/\.js$/, '.ts'), SRC), 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    return { type: 'text/javascript', body: out.outputText };
  };
}

describe.skipIf(!existsSync(CHROMIUM))('in a browser', () => {
  let server: HttpRecorder;
  let browser: Browser;
  beforeAll(async () => {
    let dsn = '';
    server = await startHttpRecorder(
      42,
      serve(() => dsn),
    );
    dsn = server.dsn;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('sends handled, uncaught and rejected errors with fetch, marked by mechanism', async () => {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${server.port}/`);
    const events = await waitFor(
      () => {
        const e = eventsOf(server.envelopes());
        return e.length >= 3 ? e : null;
      },
      { timeout: 40_000 },
    );
    const byValue = (v: string) => events.find((e) => e.exception?.values[0]?.value === v);

    expect(byValue('handled in browser')).toMatchObject({
      platform: 'javascript',
      release: 'web@1.0.0',
      level: 'error',
      request: {
        url: `http://127.0.0.1:${server.port}/`,
        headers: { 'User-Agent': expect.stringContaining('Chrome') },
      },
      breadcrumbs: [{ category: 'ui.click', message: 'button#pay' }],
      exception: { values: [{ type: 'Error', mechanism: { type: 'generic', handled: true } }] },
    });
    const frames = byValue('handled in browser')?.exception?.values[0]?.stacktrace?.frames ?? [];
    expect(frames.at(-1)).toMatchObject({
      function: 'pay',
      filename: `http://127.0.0.1:${server.port}/`,
      in_app: true,
    });
    expect(frames.at(-1)?.module).toBeUndefined();
    expect(byValue('uncaught in browser')?.exception?.values[0]).toMatchObject({
      type: 'TypeError',
      mechanism: { type: 'onerror', handled: false },
    });
    expect(byValue('rejected in browser')?.exception?.values[0]).toMatchObject({
      type: 'RangeError',
      mechanism: { type: 'onunhandledrejection', handled: false },
    });
    expect(server.requests[0]?.url).toMatch(
      /^\/api\/42\/envelope\/\?sentry_key=\w{32}&sentry_version=7&sentry_client=faultline\.javascript%2F/,
    );
    expect(server.requests[0]?.headers['content-type']).toBe('text/plain;charset=UTF-8');
    await tab.close();
  }, 60_000);
});
