// Reads an artifact bundle as sentry-cli builds it (protocol.md §8.3): the 8-byte header
// `SYSB` + u32 LE version 2, then a ZIP whose offsets count from the start of the file, with
// `manifest.json` naming every file's URL, type and headers (debug-id, sourcemap).
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { z } from 'zod';

export type ArtifactType = 'source' | 'minified_source' | 'source_map' | 'indexed_ram_bundle';

export interface BundleFile {
  url: string;
  type: ArtifactType;
  debugId: string | null;
  sourcemap: string | null;
  content: Buffer;
}

export interface ArtifactBundle {
  debugId: string | null;
  release: string | null;
  dist: string | null;
  files: BundleFile[];
}

export class BundleError extends Error {
  override name = 'BundleError';
}

const manifestSchema = z.object({
  files: z
    .record(
      z.string(),
      z.object({
        url: z.string(),
        type: z.string().optional(),
        headers: z.record(z.string(), z.string()).optional(),
      }),
    )
    .default({}),
  debug_id: z.string().nullish(),
  release: z.string().nullish(),
  dist: z.string().nullish(),
});

const TYPES = new Set<string>(['source', 'minified_source', 'source_map', 'indexed_ram_bundle']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a bundle; `maxBytes` bounds the total uncompressed size (zip bombs). */
export async function readArtifactBundle(buf: Buffer, maxBytes: number): Promise<ArtifactBundle> {
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== 'SYSB')
    throw new BundleError('not an artifact bundle (no SYSB header)');
  const version = buf.readUInt32LE(4);
  if (version !== 2)
    throw new BundleError(`unsupported artifact bundle version ${version}: upload with sentry-cli 2.17 or newer`);
  const entries = await readZip(buf, maxBytes);
  const manifestRaw = entries.get('manifest.json');
  if (!manifestRaw) throw new BundleError('the artifact bundle has no manifest.json');
  let manifest: z.infer<typeof manifestSchema>;
  try {
    manifest = manifestSchema.parse(JSON.parse(manifestRaw.toString('utf8')));
  } catch (err) {
    throw new BundleError('the artifact bundle manifest is invalid', { cause: err });
  }
  const files: BundleFile[] = [];
  for (const [path, info] of Object.entries(manifest.files)) {
    const content = entries.get(path);
    const type = info.type ?? 'source';
    if (!content || !TYPES.has(type) || !isUtf8(content)) continue; // non-UTF-8 files are skipped, as Sentry does
    const headers = Object.fromEntries(Object.entries(info.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    files.push({
      url: info.url,
      type: type as ArtifactType,
      debugId: headers['debug-id'] ?? null,
      sourcemap: headers.sourcemap ?? headers['x-sourcemap'] ?? null,
      content,
    });
  }
  return { debugId: manifest.debug_id ?? null, release: manifest.release ?? null, dist: manifest.dist ?? null, files };
}

function isUtf8(b: Buffer): boolean {
  try {
    utf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

async function readZip(buf: Buffer, maxBytes: number): Promise<Map<string, Buffer>> {
  const zip = await new Promise<ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: true }, (err, z) =>
      err
        ? reject(new BundleError(`the artifact bundle is not a valid zip: ${err.message}`, { cause: err }))
        : resolve(z),
    ),
  );
  const out = new Map<string, Buffer>();
  let total = 0;
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      zip.close();
      reject(
        err instanceof BundleError
          ? err
          : new BundleError(`the artifact bundle cannot be read: ${err.message}`, { cause: err }),
      );
    };
    zip.on('error', fail);
    zip.on('end', () => resolve(out));
    zip.on('entry', (entry: Entry) => {
      if (entry.fileName.endsWith('/')) return zip.readEntry();
      total += entry.uncompressedSize;
      if (total > maxBytes) return fail(new BundleError(`the artifact bundle unpacks to more than ${maxBytes} bytes`));
      zip.openReadStream(entry, (err, stream) => {
        if (err) return fail(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', fail);
        stream.on('end', () => {
          out.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
}
