// What `sentry-cli sourcemaps upload` talks to (protocol.md §8.3): the chunk-upload options
// (GET), chunk upload (POST multipart, `file` or `file_gzip` parts named by their SHA-1), and
// artifact-bundle assemble, answered synchronously (assemble.ts).
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import busboy from 'busboy';
import type Koa from 'koa';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireOrg, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError } from '../api/errors.js';
import { createAssembler } from './assemble.js';
import { listProjectsByRef } from '../releases/api-queries.js';
import { insertChunk } from './store.js';

const MiB = 1024 * 1024;
const CHUNK_SIZE = 8 * MiB; // a power of two: sentry-cli ≤ 2.39 requires it
const CHUNKS_PER_REQUEST = 64;
const MAX_REQUEST_SIZE = 32 * MiB;
const sha1Hex = z
  .string()
  .regex(/^[0-9a-f]{40}$/i)
  .transform((s) => s.toLowerCase());

const assembleSchema = z.object({
  checksum: sha1Hex,
  chunks: z.array(sha1Hex).max(10_000),
  projects: z.array(z.union([z.string(), z.number()]).transform(String)).min(1),
  version: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((v) => !v.includes('/'), 'version must not contain "/"')
    .optional(),
  dist: z.string().trim().min(1).max(64).optional(),
});

export function registerSourcemapRoutes(router: ApiRouter, deps: Deps): void {
  const assembleBundle = createAssembler();
  router.get('/organizations/:org/chunk-upload/', async (ctx) => {
    requireScope(ctx, 'project:releases');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    ctx.body = {
      // Absolute, on the host the CLI reached us at (X-Forwarded-* honoured), else BASE_URL.
      url: `${ctx.host ? `${ctx.protocol}://${ctx.host}` : deps.config.http.baseUrl}/api/0/organizations/${encodeURIComponent(org.slug)}/chunk-upload/`,
      chunkSize: CHUNK_SIZE,
      chunksPerRequest: CHUNKS_PER_REQUEST,
      maxFileSize: deps.config.sourcemaps.maxBundleBytes,
      maxRequestSize: MAX_REQUEST_SIZE,
      concurrency: 4,
      hashAlgorithm: 'sha1',
      compression: ['gzip'],
      // Read by sentry-cli 2.x only: chunked release files and artifact bundles (with the pre-check).
      accept: ['debug_files', 'release_files', 'sources', 'artifact_bundles', 'artifact_bundles_v2'],
    };
  });

  router.post('/organizations/:org/chunk-upload/', async (ctx) => {
    requireScope(ctx, 'project:releases');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const chunks = await readChunks(ctx);
    for (const c of chunks) await insertChunk(deps.pool, org.id, c.checksum, c.data);
    ctx.status = 200;
    ctx.body = '';
  });

  router.post('/organizations/:org/artifactbundle/assemble/', async (ctx) => {
    requireScope(ctx, 'project:releases');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const body = parseBody(ctx, assembleSchema);
    const projects = await listProjectsByRef(deps.pool, org.id, body.projects);
    const unknown = body.projects.filter((p) => !projects.some((r) => r.slug === p || r.id === p));
    if (unknown.length > 0)
      throw new HttpError(
        400,
        'unknown-project',
        `unknown project(s) ${unknown.join(', ')} in organization ${org.slug}`,
      );
    const result = await assembleBundle(
      deps.pool,
      {
        organizationId: org.id,
        checksum: body.checksum,
        chunks: body.chunks,
        projectIds: projects.map((p) => p.id),
        release: body.version ?? null,
        dist: body.dist ?? null,
      },
      { maxBundleBytes: deps.config.sourcemaps.maxBundleBytes },
    );
    ctx.body =
      result.state === 'not_found'
        ? { state: 'not_found', missingChunks: result.missingChunks }
        : result.state === 'ok'
          ? { state: 'ok', detail: null, missingChunks: [] }
          : { state: 'error', detail: result.detail, missingChunks: [] };
  });
}

/** Reads the multipart chunk parts, checking each one's SHA-1 against its part filename. */
async function readChunks(ctx: Koa.Context): Promise<Array<{ checksum: string; data: Buffer }>> {
  if (!ctx.is('multipart/form-data'))
    throw new HttpError(400, 'invalid-upload', 'chunk uploads must be multipart/form-data');
  const length = Number(ctx.get('content-length') || 0);
  if (length > MAX_REQUEST_SIZE + MiB)
    throw new HttpError(413, 'body-too-large', `chunk upload exceeds ${MAX_REQUEST_SIZE} bytes`);
  const parts = await new Promise<Array<{ field: string; filename: string; data: Buffer }>>((resolve, reject) => {
    const out: Array<{ field: string; filename: string; data: Buffer }> = [];
    const bb = busboy({
      headers: ctx.req.headers,
      limits: { files: CHUNKS_PER_REQUEST, fileSize: CHUNK_SIZE + 1, fields: 10 },
    });
    bb.on('file', (field, stream, info) => {
      const bufs: Buffer[] = [];
      stream.on('data', (b: Buffer) => bufs.push(b));
      stream.on('limit', () => reject(new HttpError(413, 'chunk-too-large', `a chunk exceeds ${CHUNK_SIZE} bytes`)));
      stream.on('end', () => out.push({ field, filename: info.filename ?? '', data: Buffer.concat(bufs) }));
    });
    bb.on('filesLimit', () =>
      reject(new HttpError(400, 'too-many-chunks', `at most ${CHUNKS_PER_REQUEST} chunks per request`)),
    );
    bb.on('error', (err) =>
      reject(new HttpError(400, 'invalid-upload', `malformed multipart body: ${(err as Error).message}`)),
    );
    bb.on('close', () => resolve(out));
    ctx.req.pipe(bb);
  });
  return parts.map((p) => {
    let data = p.data;
    if (p.field === 'file_gzip') {
      try {
        data = gunzipSync(p.data, { maxOutputLength: CHUNK_SIZE });
      } catch (err) {
        throw new HttpError(400, 'invalid-chunk', `chunk ${p.filename} is not valid gzip`, { cause: err });
      }
    } else if (p.field !== 'file') {
      throw new HttpError(
        400,
        'invalid-upload',
        `unexpected multipart field ${JSON.stringify(p.field)}: use file or file_gzip`,
      );
    }
    const checksum = createHash('sha1').update(data).digest('hex');
    if (checksum !== p.filename.toLowerCase())
      throw new HttpError(400, 'checksum-mismatch', `chunk ${p.filename} has SHA-1 ${checksum}`);
    return { checksum, data };
  });
}
