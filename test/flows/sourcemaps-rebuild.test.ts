// The same bug in two builds groups into one issue. The fixture app (main.source.js) is built
// twice with Vite — different minifiers, so different bundle hashes and minified names — run
// in a V8 context with a stub `window` (Chromium positions are V8's), and its TypeError turned
// into the event @sentry/browser would send (frames oldest first, debug_meta from the injected
// `_sentryDebugIds`). One build is uploaded with debug ids (`sourcemaps inject`), the other by
// release + URL prefix; both events go through the worker pipeline (processBatch).
// The SDK itself is replaced by a stub at build time: the Chromium end-to-end test runs it.
import { mkdtemp, readdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { parse as parseStack } from 'stacktrace-parser';
import { build } from 'vite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipelineDeps } from '../helpers/pipeline.js';
import { processBatch, type PipelineDeps } from '../../server/src/pipeline/process-event.js';
import type { Frame } from '../../server/src/shared/protocol/event.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { createApiToken, sentryCli, type SentryCli } from '../helpers/sentry-cli.js';
import { FIXTURE_DIR } from '../helpers/sourcemaps-fixture.js';
import { PAYLOAD_COLUMNS, withPayloads } from '../helpers/events.js';

const ORIGIN = 'http://127.0.0.1:9930';
let server: TestServer;
let cli: SentryCli;
let work: string;
let redis: Redis;
let prefix: string;
let deps: PipelineDeps;

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'api' });
  cli = await sentryCli({
    url: server.url,
    token: await createApiToken(server.pool, server.project.orgId),
    org: server.project.orgSlug,
    project: server.project.slug,
  });
  work = await mkdtemp(path.join(tmpdir(), 'faultline-vite-'));
  await copyFile(path.join(FIXTURE_DIR, 'bundle/main.source.js'), path.join(work, 'main.js'));
  await writeFile(path.join(work, 'index.html'), '<!doctype html><script type="module" src="/main.js"></script>\n');
  await writeFile(path.join(work, 'sentry-stub.js'), 'export function init() {}\n');
  prefix = testRedisPrefix();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  deps = buildPipelineDeps(server.pool, redis, { REDIS_PREFIX: prefix, SOURCEMAP_CACHE_MB: '16' });
}, 120_000);

afterAll(async () => {
  await cleanRedisPrefix(prefix).catch(() => {});
  redis?.disconnect();
  await cli?.cleanup();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Builds the app into dist-<name>/ and returns the built bundle's file name (assets/index-HASH.js). */
async function viteBuild(name: string, minify: boolean | 'esbuild'): Promise<string> {
  await build({
    root: work,
    logLevel: 'silent',
    configFile: false,
    resolve: { alias: { '@sentry/browser': path.join(work, 'sentry-stub.js') } },
    build: { outDir: `dist-${name}`, sourcemap: true, minify, emptyOutDir: true, modulePreload: { polyfill: false } },
  });
  const js = (await readdir(path.join(work, `dist-${name}/assets`))).find((f) => f.endsWith('.js'))!;
  return js;
}

/** Runs the bundle as Chromium would load it from ORIGIN and returns the event the SDK would send. */
async function crashEvent(name: string, file: string, release: string): Promise<Record<string, unknown>> {
  const url = `${ORIGIN}/assets/${file}`;
  const code = await readFile(path.join(work, `dist-${name}/assets`, file), 'utf8');
  const listeners: Array<() => void> = [];
  const timers: Array<() => void> = [];
  const sandbox: Record<string, unknown> = {
    document: { body: {} },
    addEventListener: (_: string, cb: () => void) => listeners.push(cb),
    setTimeout: (cb: () => void) => timers.push(cb),
  };
  sandbox.window = sandbox;
  const context = vm.createContext(sandbox);
  new vm.Script(code, { filename: url }).runInContext(context);
  listeners.forEach((cb) => cb());
  let error: Error | undefined;
  try {
    timers.forEach((cb) => cb());
  } catch (err) {
    error = err as Error;
  }
  expect(error?.message).toContain('toFixed');
  const frames = parseStack(error!.stack!)
    .filter((f) => f.file === url || f.file === '<anonymous>')
    .reverse()
    .map((f) => ({
      filename: f.file ?? undefined,
      function: !f.methodName || f.methodName === '<unknown>' ? '?' : f.methodName,
      in_app: true,
      ...(f.file === url ? { lineno: f.lineNumber ?? undefined, colno: f.column ?? undefined } : {}),
    }));
  // @sentry/browser's applyDebugMeta: _sentryDebugIds maps a stack (its top file) to a debug id
  const ids = (sandbox._sentryDebugIds ?? {}) as Record<string, string>;
  const images = Object.entries(ids).map(([stack, debugId]) => ({
    type: 'sourcemap',
    code_file: parseStack(stack)[0]?.file ?? '',
    debug_id: debugId,
  }));
  return {
    event_id: `${name}${'0'.repeat(32)}`.slice(0, 32).replace(/[^0-9a-f]/g, 'a'),
    platform: 'javascript',
    level: 'error',
    timestamp: Date.now() / 1000,
    release,
    environment: 'production',
    exception: {
      values: [
        {
          type: error!.name,
          value: error!.message,
          stacktrace: { frames },
          mechanism: { type: 'auto.browser.browserapierrors.setTimeout', handled: false },
        },
      ],
    },
    ...(images.length > 0 ? { debug_meta: { images } } : {}),
  };
}

async function ok(args: string[]): Promise<void> {
  const r = await cli.run(args);
  if (r.code !== 0) throw new Error(`sentry-cli ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
}

describe('a second build with different hashes', () => {
  it('groups into the same issue, with the original function, file and line', async () => {
    const fileA = await viteBuild('a', true);
    const fileB = await viteBuild('b', 'esbuild');
    expect(fileA).not.toBe(fileB);
    await ok(['sourcemaps', 'inject', path.join(work, 'dist-a')]);
    await ok(['sourcemaps', 'upload', path.join(work, 'dist-a')]);
    await ok([
      'sourcemaps',
      'upload',
      '--release',
      'web@3.2.0',
      '--url-prefix',
      '~/assets',
      path.join(work, 'dist-b/assets'),
    ]);

    const eventA = await crashEvent('a', fileA, 'web@3.1.0');
    const eventB = await crashEvent('b', fileB, 'web@3.2.0');
    expect(eventA.debug_meta).toBeDefined();
    const minifiedName = (e: Record<string, unknown>) => {
      const frames = (e.exception as { values: Array<{ stacktrace: { frames: Frame[] } }> }).values[0]!.stacktrace
        .frames;
      return frames.at(-3)!.function;
    };
    expect(minifiedName(eventA)).not.toBe(minifiedName(eventB));

    const jobs = [eventA, eventB].map((e) => ({
      v: 1,
      kind: 'event',
      projectId: server.project.projectId,
      eventId: e.event_id as string,
      receivedAt: Date.now(),
      payload: JSON.stringify(e),
      meta: {},
    }));
    const outcomes = await processBatch(deps, jobs);
    expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'stored']);
    const issueIds = outcomes.map((o) => (o.kind === 'stored' ? o.issueId : null));
    expect(issueIds[0]).toBe(issueIds[1]);

    const rows = withPayloads<{ exception: { values: Array<{ stacktrace: { frames: Frame[] } }> } }>(
      (
        await server.pool.query(`SELECT ${PAYLOAD_COLUMNS} FROM events WHERE project_id = $1 ORDER BY release`, [
          server.project.projectId,
        ])
      ).rows,
    );
    const source = (await readFile(path.join(work, 'main.js'), 'utf8')).split('\n');
    for (const r of rows) {
      const f = r.payload.exception.values[0]!.stacktrace.frames;
      expect(f.at(-1)).toMatchObject({
        filename: 'main.js',
        lineno: 3,
        function: 'renderCart/<anonymous>',
        context_line: source[2],
      });
      expect(f.at(-3)).toMatchObject({ filename: 'main.js', lineno: 3, function: 'renderCart' });
    }
    const { rows: issues } = await server.pool.query(
      `SELECT title, culprit, event_count::int FROM issues WHERE project_id = $1`,
      [server.project.projectId],
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ event_count: 2 });
  }, 120_000);
});
