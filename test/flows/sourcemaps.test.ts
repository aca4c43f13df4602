// Source maps end to end on the server side: the real `sentry-cli sourcemaps upload` (and
// `inject`) against Faultline, then symbolication of the recorded minified browser event — by
// release + URL for the plain upload, by debug id for the injected one — and the reasons
// recorded when a frame cannot be resolved.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { symbolicate } from '../../server/src/pipeline/symbolicate.js';
import { createSourceMapCache } from '../../server/src/sourcemaps/cache.js';
import type { Frame, NormalizedEvent } from '../../server/src/shared/protocol/event.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { createApiToken, sentryCli, type SentryCli } from '../helpers/sentry-cli.js';
import {
  BUNDLE_URL,
  FIXTURE_DIR,
  bundleCopy,
  fixtureEventJson,
  mainSourceLines,
  normalized,
} from '../helpers/sourcemaps-fixture.js';

interface ApiFrame {
  filename: string;
  function: string;
  lineNo: number;
  colNo: number;
  context: Array<[number, string]>;
  data?: Record<string, unknown>;
}

let server: TestServer;
let cli: SentryCli;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'all' });
  const token = await createApiToken(server.pool, server.project.orgId);
  cli = await sentryCli({ url: server.url, token, org: server.project.orgSlug, project: server.project.slug });
});

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await cli?.cleanup();
  await server?.stop();
});

async function ok(args: string[]): Promise<string> {
  const r = await cli.run(args);
  if (r.code !== 0) throw new Error(`sentry-cli ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout + r.stderr;
}

/** How many lines `sourcemaps inject` added above the original line 15 of the bundle. */
async function injectedLineShift(dir: string): Promise<number> {
  const original = (await readFile(path.join(FIXTURE_DIR, 'bundle/index-CXTlBatX.js'), 'utf8')).split('\n');
  const injected = (await readFile(path.join(dir, 'index-CXTlBatX.js'), 'utf8')).split('\n');
  return injected.indexOf(original[14]!) - 14;
}

function frames(event: NormalizedEvent): Frame[] {
  return event.exception!.values[0]!.stacktrace!.frames;
}

async function symbolicated(raw: Record<string, unknown>): Promise<NormalizedEvent> {
  const event = normalized(raw);
  return symbolicate(event, {
    db: server.pool,
    projectId: server.project.projectId,
    cache: createSourceMapCache(64 * 1024 * 1024),
  });
}

describe('sentry-cli sourcemaps upload', () => {
  it('uploads a bundle by release and URL prefix and stores its files', async () => {
    const dir = await bundleCopy();
    dirs.push(dir);
    await ok(['sourcemaps', 'upload', '--release', 'web@3.1.0', '--url-prefix', '~/assets', dir]);
    const { rows } = await server.pool.query(
      `SELECT f.url, f.type, f.sourcemap, r.release FROM artifact_files f JOIN artifact_bundle_releases r ON r.bundle_id = f.bundle_id ORDER BY f.url`,
    );
    expect(rows).toEqual([
      {
        url: '~/assets/index-CXTlBatX.js',
        type: 'minified_source',
        sourcemap: 'index-CXTlBatX.js.map',
        release: 'web@3.1.0',
      },
      { url: '~/assets/index-CXTlBatX.js.map', type: 'source_map', sourcemap: null, release: 'web@3.1.0' },
    ]);
    // the same bundle again: the server already has it, the CLI still succeeds
    await ok(['sourcemaps', 'upload', '--release', 'web@3.1.0', '--url-prefix', '~/assets', dir]);
    const { rows: bundles } = await server.pool.query(`SELECT count(*)::int AS n FROM artifact_bundles`);
    expect(bundles[0]!.n).toBe(1);
  });

  it('maps the recorded minified event back to renderCart in main.js (release + URL)', async () => {
    const event = await symbolicated(await fixtureEventJson());
    const f = frames(event);
    const source = await mainSourceLines();
    const crash = f.at(-1)!;
    expect(crash).toMatchObject({
      filename: 'main.js',
      abs_path: 'http://127.0.0.1:9930/main.js',
      lineno: 3,
      colno: 60,
      module: 'main',
    });
    expect(crash.function).toBe('renderCart/<anonymous>');
    expect(crash.context_line).toBe(source[2]);
    expect(crash.pre_context).toEqual(source.slice(0, 2));
    expect(crash.data).toMatchObject({
      sourcemap: 'http://127.0.0.1:9930/assets/index-CXTlBatX.js.map',
      resolved_with: 'release',
      symbolicator_status: 'symbolicated',
    });
    // the caller of Array.map is renderCart itself, named through its scope
    expect(f[2]).toMatchObject({ function: 'renderCart', filename: 'main.js', lineno: 3 });
    // SDK frames map into node_modules: not in app any more
    expect(f[0]).toMatchObject({ in_app: false, function: 'sentryWrapped' });
    expect(f[0]!.abs_path).toContain('/node_modules/@sentry/browser/');
    // the minified frames stay available
    const raw = (event.exception!.values[0] as { raw_stacktrace?: { frames: Frame[] } }).raw_stacktrace!;
    expect(raw.frames.at(-1)).toMatchObject({ filename: BUNDLE_URL, lineno: 15, colno: 33968, function: '?' });
    expect(event.errors ?? []).toEqual([]);
  });

  it('resolves through debug ids after sentry-cli sourcemaps inject, without a release', async () => {
    const dir = await bundleCopy();
    dirs.push(dir);
    const injected = await ok(['sourcemaps', 'inject', dir]);
    const debugId = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/.exec(injected)![1]!;
    await ok(['sourcemaps', 'upload', dir]);
    const raw = await fixtureEventJson();
    // inject prepends its snippet: the recorded positions move down by the lines it added
    const shift = await injectedLineShift(dir);
    expect(shift).toBeGreaterThan(0);
    for (const fr of (raw.exception as { values: Array<{ stacktrace: { frames: Frame[] } }> }).values[0]!.stacktrace
      .frames) {
      if (typeof fr.lineno === 'number') fr.lineno += shift;
    }
    raw.release = 'web@unknown';
    raw.debug_meta = { images: [{ type: 'sourcemap', code_file: BUNDLE_URL, debug_id: debugId }] };
    const event = await symbolicated(raw);
    expect(frames(event).at(-1)).toMatchObject({ filename: 'main.js', lineno: 3, function: 'renderCart/<anonymous>' });
    expect(frames(event).at(-1)!.data).toMatchObject({ resolved_with: 'debug-id' });
  });

  it('records why frames stay minified', async () => {
    const noRelease = await fixtureEventJson();
    noRelease.release = 'web@never-uploaded';
    let event = await symbolicated(noRelease);
    expect(frames(event).at(-1)!.data).toMatchObject({ symbolicator_status: 'no-release-match' });
    expect(event.errors).toEqual([{ type: 'no-release-match', url: BUNDLE_URL }]);

    const unknownId = await fixtureEventJson();
    unknownId.debug_meta = {
      images: [{ type: 'sourcemap', code_file: BUNDLE_URL, debug_id: '00000000-0000-4000-8000-000000000000' }],
    };
    unknownId.release = 'web@never-uploaded';
    event = await symbolicated(unknownId);
    expect(frames(event).at(-1)!.data).toMatchObject({ symbolicator_status: 'missing-bundle-for-debug-id' });

    const offMap = await fixtureEventJson();
    const f = (offMap.exception as { values: Array<{ stacktrace: { frames: Frame[] } }> }).values[0]!.stacktrace.frames;
    f.at(-1)!.lineno = 400;
    event = await symbolicated(offMap);
    expect(frames(event).at(-1)!.data).toMatchObject({ symbolicator_status: 'no-mapping-for-position' });
    expect(frames(event).at(-1)!.function).toBe('?');

    const otherFile = await fixtureEventJson();
    (otherFile.exception as { values: Array<{ stacktrace: { frames: Frame[] } }> }).values[0]!.stacktrace.frames.at(
      -1,
    )!.filename = 'http://127.0.0.1:9930/assets/other.js';
    event = await symbolicated(otherFile);
    expect(frames(event).at(-1)!.data).toMatchObject({ symbolicator_status: 'missing-source-file' });

    // a Node event from a release that uploaded nothing: file paths are left alone, no noise
    const node: Record<string, unknown> = { ...(await fixtureEventJson()), platform: 'node', release: 'api@1.0.0' };
    (node.exception as { values: Array<{ stacktrace: { frames: Frame[] } }> }).values[0]!.stacktrace.frames = [
      { filename: '/srv/api/server.js', abs_path: '/srv/api/server.js', function: 'handle', lineno: 12, colno: 5 },
    ];
    event = await symbolicated(node);
    expect(frames(event)).toEqual([
      { filename: '/srv/api/server.js', abs_path: '/srv/api/server.js', function: 'handle', lineno: 12, colno: 5 },
    ]);
    expect(event.errors ?? []).toEqual([]);
  });

  it('symbolicates in the worker: the recorded browser request, sent to ingest, reads back mapped through the API', async () => {
    const capture = JSON.parse(await readFile(path.join(FIXTURE_DIR, '02-event-minified-typeerror.json'), 'utf8')) as {
      body_base64: string;
      headers: Record<string, string>;
    };
    const body = Buffer.from(capture.body_base64, 'base64')
      .toString('utf8')
      .replaceAll('abc123abc123abc123abc123abc12345', server.project.publicKey);
    const res = await request(
      `${server.url}/api/${server.project.projectId}/envelope/?sentry_key=${server.project.publicKey}&sentry_version=7`,
      {
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'http://127.0.0.1:9930' },
        body,
      },
    );
    expect(res.status).toBe(200);
    const eventId = '89bd732a6ea34ac1bb5133b1b84ff4d8';
    const token = cli.token;
    const event = await waitFor(
      async () => {
        const r = await fetch(
          `${server.url}/api/0/projects/${server.project.orgSlug}/${server.project.slug}/events/${eventId}/`,
          { headers: { authorization: `Bearer ${token}` } },
        );
        return r.status === 200
          ? ((await r.json()) as {
              entries: Array<{
                type: string;
                data: {
                  values: Array<{ stacktrace: { frames: ApiFrame[] }; rawStacktrace: { frames: ApiFrame[] } | null }>;
                };
              }>;
              errors: unknown[];
            })
          : null;
      },
      { message: 'the stored event', timeout: 20_000 },
    );
    const exception = event.entries.find((e) => e.type === 'exception')!.data.values[0]!;
    const top = exception.stacktrace.frames.at(-1)!;
    expect(top).toMatchObject({ filename: 'main.js', function: 'renderCart/<anonymous>', lineNo: 3 });
    expect(top.context.find(([n]) => n === 3)?.[1]).toContain('function renderCart(items)');
    expect(exception.rawStacktrace!.frames.at(-1)).toMatchObject({ filename: BUNDLE_URL, lineNo: 15 });
    expect(event.errors).toEqual([]);
  });
});
