// The chunk-upload protocol at the HTTP level (what sentry-cli relies on beyond the happy path):
// options, the missing-chunk pre-check, gzip parts, checksum checks, bad bundles and projects.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifactBundle } from '../../../server/src/sourcemaps/bundle.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createApiToken } from '../../helpers/sentry-cli.js';
import { makeArtifactBundle } from '../../helpers/make-bundle.js';

let server: TestServer;
let token: string;
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'api' });
  token = await createApiToken(server.pool, server.project.orgId);
});

afterAll(async () => {
  await server?.stop();
});

function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}/api/0/organizations/${server.project.orgSlug}/${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
  });
}

async function assemble(body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await api('artifactbundle/assemble/', {
    method: 'POST',
    body: JSON.stringify({ projects: [server.project.slug], ...body }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function uploadChunks(chunks: Array<{ data: Buffer; gzip?: boolean; name?: string }>): Promise<number> {
  const form = new FormData();
  for (const c of chunks)
    form.append(
      c.gzip ? 'file_gzip' : 'file',
      new Blob([new Uint8Array(c.gzip ? gzipSync(c.data) : c.data)]),
      c.name ?? sha1(c.data),
    );
  const res = await api('chunk-upload/', { method: 'POST', body: form });
  return res.status;
}

const bundle = makeArtifactBundle(
  {
    files: {
      'files/_/_/app.js': {
        type: 'minified_source',
        url: '~/app.js',
        headers: { sourcemap: 'app.js.map', 'debug-id': '85314830-023f-4cf1-a267-535f4e37bb17' },
      },
      'files/_/_/app.js.map': {
        type: 'source_map',
        url: '~/app.js.map',
        headers: { 'debug-id': '85314830-023f-4cf1-a267-535f4e37bb17' },
      },
    },
  },
  [
    { path: 'files/_/_/app.js', content: 'function a(){throw new Error("x")}a();\n//# sourceMappingURL=app.js.map\n' },
    {
      path: 'files/_/_/app.js.map',
      content: JSON.stringify({
        version: 3,
        sources: ['src/a.js'],
        names: [],
        mappings: 'AAAA',
        sourcesContent: ['throw 1'],
      }),
    },
  ],
);

describe('chunk upload', () => {
  it('advertises absolute upload options', async () => {
    const res = await api('chunk-upload/');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      url: `${server.url}/api/0/organizations/${server.project.orgSlug}/chunk-upload/`,
      hashAlgorithm: 'sha1',
      chunkSize: 8 * 1024 * 1024,
      compression: ['gzip'],
    });
    expect(body.accept).toContain('artifact_bundles_v2');
  });

  it('asks for missing chunks, takes gzip parts, then assembles the bundle once', async () => {
    const half = Math.floor(bundle.length / 2);
    const chunks = [bundle.subarray(0, half), bundle.subarray(half)];
    const req = { checksum: sha1(bundle), chunks: chunks.map(sha1), version: 'app@1.0.0', dist: 'web' };
    expect((await assemble(req)).json).toEqual({ state: 'not_found', missingChunks: chunks.map(sha1) });
    expect(await uploadChunks([{ data: chunks[0]! }])).toBe(200);
    expect((await assemble(req)).json).toEqual({ state: 'not_found', missingChunks: [sha1(chunks[1]!)] });
    expect(await uploadChunks([{ data: chunks[1]!, gzip: true }])).toBe(200);
    expect((await assemble(req)).json).toEqual({ state: 'ok', detail: null, missingChunks: [] });
    expect((await assemble(req)).json).toEqual({ state: 'ok', detail: null, missingChunks: [] });
    const { rows } = await server.pool.query(
      `SELECT f.url, f.type, f.debug_id::text AS debug_id, r.release, r.dist FROM artifact_files f JOIN artifact_bundle_releases r USING (bundle_id) ORDER BY f.url`,
    );
    expect(rows).toEqual([
      {
        url: '~/app.js',
        type: 'minified_source',
        debug_id: '85314830-023f-4cf1-a267-535f4e37bb17',
        release: 'app@1.0.0',
        dist: 'web',
      },
      {
        url: '~/app.js.map',
        type: 'source_map',
        debug_id: '85314830-023f-4cf1-a267-535f4e37bb17',
        release: 'app@1.0.0',
        dist: 'web',
      },
    ]);
    const { rows: left } = await server.pool.query(`SELECT count(*)::int AS n FROM upload_chunks`);
    expect(left[0]!.n).toBe(0);
  });

  it('rejects a chunk whose name is not its SHA-1', async () => {
    expect(await uploadChunks([{ data: Buffer.from('abc'), name: 'f'.repeat(40) }])).toBe(400);
  });

  it('fails assembly of chunks that do not hash to the checksum or are not a bundle', async () => {
    const junk = Buffer.from('not a bundle at all');
    await uploadChunks([{ data: junk }]);
    expect((await assemble({ checksum: 'a'.repeat(40), chunks: [sha1(junk)] })).json).toMatchObject({
      state: 'error',
      missingChunks: [],
    });
    const notZip = await assemble({ checksum: sha1(junk), chunks: [sha1(junk)] });
    expect(notZip.json).toMatchObject({ state: 'error', detail: expect.stringContaining('not an artifact bundle') });
  });

  it('answers 400 for unknown projects and bad checksums, 404 for unknown organizations', async () => {
    expect((await assemble({ checksum: sha1(bundle), chunks: [], projects: ['nope'] })).status).toBe(400);
    expect((await assemble({ checksum: 'xyz', chunks: [] })).status).toBe(400);
    const res = await fetch(`${server.url}/api/0/organizations/no-such-org/chunk-upload/`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(404);
  });
});

describe('readArtifactBundle', () => {
  it('reads manifest and files behind the SYSB header', async () => {
    const b = await readArtifactBundle(bundle, 1024 * 1024);
    expect(b.files.map((f) => [f.url, f.type, f.sourcemap])).toEqual([
      ['~/app.js', 'minified_source', 'app.js.map'],
      ['~/app.js.map', 'source_map', null],
    ]);
  });

  it('refuses bundles that unpack past the limit', async () => {
    await expect(readArtifactBundle(bundle, 100)).rejects.toThrow(/more than 100 bytes/);
  });
});
