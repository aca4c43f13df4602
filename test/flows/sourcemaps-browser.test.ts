// Source maps end to end, as a user deploys: a small app importing the real @sentry/browser is
// built and minified with Vite (DSN and release injected at build time), `sentry-cli sourcemaps
// inject` + `upload` (the real binary) send its maps to a running Faultline, the page runs in
// Chromium from a static server on 127.0.0.1, and the SDK reports the app's TypeError. The stored
// event's in-app frames name the original function, file and line; a second build (another
// minifier, another file-name pattern, so other hashes and minified names) of a new release
// groups into the same issue.
import { readFile, readdir, rm, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build, type InlineConfig } from 'vite';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../server/src/shared/protocol/event.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { createApiToken, sentryCli, type SentryCli } from '../helpers/sentry-cli.js';
import { launchBrowser, newContext } from '../helpers/browser.js';
import { FIXTURE_DIR } from '../helpers/sourcemaps-fixture.js';
import { PAYLOAD_COLUMNS, withPayloads } from '../helpers/events.js';
import type { StoredPayload } from '../../server/src/events/payload-codec.js';

let server: TestServer;
let cli: SentryCli;
let site: Server;
let siteUrl: string;
let browser: Browser;
let work: string;
/** The dist directory the static server serves (the build under test). */
let served = '';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'all' });
  cli = await sentryCli({
    url: server.url,
    token: await createApiToken(server.pool, server.project.orgId),
    org: server.project.orgSlug,
    project: server.project.slug,
  });
  // Under the repository, so that Vite resolves @sentry/browser from its node_modules.
  await mkdir(path.resolve('test-output'), { recursive: true });
  work = await mkdtemp(path.resolve('test-output/sourcemaps-browser-'));
  // The fixture app, its Sentry.init line taking DSN and release from the build (same line numbers).
  const source = (await readFile(path.join(FIXTURE_DIR, 'bundle/main.source.js'), 'utf8')).split('\n');
  source[1] = "Sentry.init({ dsn: __SENTRY_DSN__, release: __SENTRY_RELEASE__, environment: 'production' });";
  await writeFile(path.join(work, 'main.js'), source.join('\n'));
  await writeFile(
    path.join(work, 'index.html'),
    '<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>\n',
  );
  site = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path.join(served, url === '/' ? 'index.html' : url);
    if (!served || !file.startsWith(served + path.sep)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) =>
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  site?.closeAllConnections();
  await new Promise((r) => (site ? site.close(r) : r(undefined)));
  await cli?.cleanup();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Builds the app for `release` into dist-<name>/; returns the dist directory and the bundle's name. */
async function viteBuild(
  name: string,
  release: string,
  options: Pick<NonNullable<InlineConfig['build']>, 'minify' | 'rollupOptions'>,
): Promise<{ dist: string; bundle: string }> {
  const dist = path.join(work, `dist-${name}`);
  await build({
    root: work,
    logLevel: 'silent',
    configFile: false,
    define: { __SENTRY_DSN__: JSON.stringify(server.project.dsn), __SENTRY_RELEASE__: JSON.stringify(release) },
    build: { outDir: dist, sourcemap: true, emptyOutDir: true, modulePreload: { polyfill: false }, ...options },
  });
  const bundle = (await readdir(path.join(dist, 'assets'))).find((f) => f.endsWith('.js'))!;
  return { dist, bundle };
}

async function ok(args: string[]): Promise<void> {
  const r = await cli.run(args);
  if (r.code !== 0) throw new Error(`sentry-cli ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
}

interface Stored {
  issueId: string;
  frames: Frame[];
  /** The minified frames as the SDK sent them. */
  raw: Frame[];
}

/** Serves `dist`, opens the page in Chromium and waits for the event the SDK sent from `release`. */
async function crashInBrowser(dist: string, release: string): Promise<Stored> {
  served = dist;
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    await page.goto(siteUrl);
    await page.waitForSelector('#ok'); // the app ran; the error follows 10 ms later
    return await waitFor(
      async () => {
        const rows = withPayloads<
          { exception: { values: Array<{ stacktrace: { frames: Frame[] }; raw_stacktrace?: { frames: Frame[] } }> } },
          StoredPayload & { issue_id: string }
        >(
          (
            await server.pool.query(
              `SELECT issue_id::text, ${PAYLOAD_COLUMNS} FROM events WHERE project_id = $1 AND release = $2`,
              [server.project.projectId, release],
            )
          ).rows,
        );
        const row = rows[0];
        const exception = row?.payload.exception.values.at(-1);
        return row && exception
          ? { issueId: row.issue_id, frames: exception.stacktrace.frames, raw: exception.raw_stacktrace?.frames ?? [] }
          : null;
      },
      { message: `the event from ${release}`, timeout: 30_000, interval: 100 },
    );
  } finally {
    await context.close();
  }
}

/** The in-app frames with a position (not Chromium's native `Array.map`), crashing frame first. */
function inAppTop(frames: Frame[]): Frame[] {
  return frames.filter((f) => f.in_app && f.lineno !== undefined).reverse();
}

describe('a Vite build in Chromium with the real SDK and sentry-cli', () => {
  it('stores original function, file and line, and a rebuild with other hashes groups into the same issue', async () => {
    const a = await viteBuild('a', 'web@1.0.0', {});
    await ok(['sourcemaps', 'inject', a.dist]);
    await ok(['sourcemaps', 'upload', a.dist]);
    const first = await crashInBrowser(a.dist, 'web@1.0.0');

    const [crash, caller, ...rest] = inAppTop(first.frames);
    expect(crash).toMatchObject({ filename: 'main.js', lineno: 3, function: 'renderCart/<anonymous>', module: 'main' });
    expect(crash!.context_line).toBe('function renderCart(items) { return items.map(i => i.price.toFixed(2)); }');
    expect(caller).toMatchObject({ filename: 'main.js', lineno: 3, function: 'renderCart' });
    expect(rest[0]).toMatchObject({ filename: 'main.js', lineno: 6 }); // the setTimeout callback
    expect(crash!.abs_path).toBe(`${siteUrl}main.js`);
    expect(crash!.data).toMatchObject({ resolved_with: 'debug-id', symbolicated: true });
    // the SDK's own wrapper frames map into node_modules: not in app
    expect(first.frames.some((f) => f.in_app === false && f.abs_path?.includes('/node_modules/@sentry/'))).toBe(true);

    // The next release: another minifier and file-name pattern, so other hashes and names.
    const b = await viteBuild('b', 'web@1.1.0', {
      minify: 'esbuild',
      rollupOptions: { output: { entryFileNames: 'assets/app.[hash].js' } },
    });
    expect(b.bundle).not.toBe(a.bundle);
    await ok(['sourcemaps', 'inject', b.dist]);
    await ok(['sourcemaps', 'upload', '--release', 'web@1.1.0', b.dist]);
    const second = await crashInBrowser(b.dist, 'web@1.1.0');
    expect(inAppTop(second.frames)[0]).toMatchObject({
      filename: 'main.js',
      lineno: 3,
      function: 'renderCart/<anonymous>',
      module: 'main',
    });
    const minifiedTop = (s: Stored) => s.raw.filter((f) => f.lineno !== undefined).at(-1)!;
    expect(minifiedTop(first).filename).toBe(`${siteUrl}assets/${a.bundle}`);
    expect(minifiedTop(second).filename).toBe(`${siteUrl}assets/${b.bundle}`);
    expect(second.issueId).toBe(first.issueId);

    const { rows } = await server.pool.query(
      `SELECT title, event_count::int AS count, first_release, last_release FROM issues WHERE id = $1`,
      [first.issueId],
    );
    expect(rows[0]).toMatchObject({ count: 2, first_release: 'web@1.0.0', last_release: 'web@1.1.0' });
    expect(rows[0]!.title).toContain('TypeError');
  }, 150_000);
});
