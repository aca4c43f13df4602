// Artifact-bundle assembly (protocol.md §8.3 step 3): once every chunk of a bundle is stored,
// join them, check the SHA-1, unpack the bundle and store its files, all while the CLI waits —
// so the first poll already answers `ok` and `sourcemaps upload` needs no `--wait`.
import { createHash } from 'node:crypto';
import type { Pool } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import { BundleError, readArtifactBundle } from './bundle.js';
import { normalizeDebugId } from './resolve.js';
import {
  deleteChunks,
  findBundleId,
  insertBundle,
  insertBundleFiles,
  linkBundle,
  listChunkData,
  listStoredChunks,
} from './store.js';

export interface AssembleRequest {
  organizationId: string;
  checksum: string;
  chunks: string[];
  projectIds: string[];
  release: string | null;
  dist: string | null;
}

export type AssembleResult =
  { state: 'not_found'; missingChunks: string[] } | { state: 'ok' } | { state: 'error'; detail: string };

export interface AssembleLimits {
  /** Largest bundle accepted, compressed and unpacked. */
  maxBundleBytes: number;
}

const ABANDONED_CHUNK_MS = 24 * 3600_000; // chunks of uploads never assembled are dropped after a day

export type AssembleBundle = (
  pool: Pool,
  req: AssembleRequest,
  limits: AssembleLimits,
  now?: Date,
) => Promise<AssembleResult>;

/**
 * Assembles (or re-links an already assembled) bundle; concurrent polls of one bundle share one
 * run. The API router builds one per process (its runs in flight are the only state).
 */
export function createAssembler(): AssembleBundle {
  const running = new Map<string, Promise<AssembleResult>>();
  return (pool, req, limits, now = new Date()) => {
    const key = `${req.organizationId}:${req.checksum}`;
    const inflight = running.get(key);
    if (inflight) return inflight;
    const p = assemble(pool, req, limits, now).finally(() => running.delete(key));
    running.set(key, p);
    return p;
  };
}

async function assemble(pool: Pool, req: AssembleRequest, limits: AssembleLimits, now: Date): Promise<AssembleResult> {
  const existing = await findBundleId(pool, req.organizationId, req.checksum);
  if (existing) {
    await linkBundle(pool, {
      bundleId: existing,
      organizationId: req.organizationId,
      projectIds: req.projectIds,
      release: req.release,
      dist: req.dist,
    });
    return { state: 'ok' };
  }
  const stored = await listStoredChunks(pool, req.organizationId, req.chunks);
  const missingChunks = [...new Set(req.chunks.filter((c) => !stored.has(c)))];
  if (missingChunks.length > 0) return { state: 'not_found', missingChunks };

  const data = await listChunkData(pool, req.organizationId, [...new Set(req.chunks)]);
  const parts = req.chunks.map((c) => data.get(c)!);
  const size = parts.reduce((n, b) => n + b.length, 0);
  if (size > limits.maxBundleBytes)
    return { state: 'error', detail: `bundle is ${size} bytes; the limit is ${limits.maxBundleBytes}` };
  const file = Buffer.concat(parts, size);
  const sha1 = createHash('sha1').update(file).digest('hex');
  if (sha1 !== req.checksum)
    return { state: 'error', detail: `checksum mismatch: the chunks hash to ${sha1}, not ${req.checksum}` };

  let bundle;
  try {
    bundle = await readArtifactBundle(file, limits.maxBundleBytes);
  } catch (err) {
    if (err instanceof BundleError) return { state: 'error', detail: err.message };
    throw err;
  }
  const files = bundle.files.map((f) => ({
    ...f,
    debugId: normalizeDebugId(f.debugId),
    sha1: createHash('sha1').update(f.content).digest('hex'),
  }));
  await withTransaction(pool, async (tx) => {
    const bundleId =
      (await insertBundle(tx, {
        organizationId: req.organizationId,
        checksum: req.checksum,
        bundleDebugId: normalizeDebugId(bundle.debugId),
        fileCount: files.length,
        sizeBytes: size,
      })) ?? null;
    const id = bundleId ?? (await findBundleId(tx, req.organizationId, req.checksum));
    if (!id) throw new Error(`artifact bundle ${req.checksum} vanished during assembly; retry the upload`);
    if (bundleId) await insertBundleFiles(tx, bundleId, files);
    await linkBundle(tx, {
      bundleId: id,
      organizationId: req.organizationId,
      projectIds: req.projectIds,
      release: req.release ?? bundle.release,
      dist: req.dist ?? bundle.dist,
    });
    await deleteChunks(tx, req.organizationId, req.chunks, new Date(now.getTime() - ABANDONED_CHUNK_MS));
  });
  return { state: 'ok' };
}
