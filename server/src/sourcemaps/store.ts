// Source-map storage queries: upload chunks, assembled artifact bundles with their files, and
// the lookups symbolication makes (by debug id; by release + dist + URL) — few queries per batch,
// file contents fetched only for what the cache lacks.
import type { Queryable } from '../db/pool.js';
import type { ArtifactType, BundleFile } from './bundle.js';

export async function listStoredChunks(
  db: Queryable,
  organizationId: string,
  checksums: string[],
): Promise<Set<string>> {
  if (checksums.length === 0) return new Set();
  const { rows } = await db.query<{ checksum: string }>(
    `SELECT checksum FROM upload_chunks WHERE organization_id = $1 AND checksum = ANY($2::text[])`,
    [organizationId, checksums],
  );
  return new Set(rows.map((r) => r.checksum));
}

export async function insertChunk(
  db: Queryable,
  organizationId: string,
  checksum: string,
  data: Buffer,
): Promise<void> {
  await db.query(
    `INSERT INTO upload_chunks (organization_id, checksum, data) VALUES ($1, $2, $3)
     ON CONFLICT (organization_id, checksum) DO NOTHING`,
    [organizationId, checksum, data],
  );
}

export async function listChunkData(
  db: Queryable,
  organizationId: string,
  checksums: string[],
): Promise<Map<string, Buffer>> {
  if (checksums.length === 0) return new Map();
  const { rows } = await db.query<{ checksum: string; data: Buffer }>(
    `SELECT checksum, data FROM upload_chunks WHERE organization_id = $1 AND checksum = ANY($2::text[])`,
    [organizationId, checksums],
  );
  return new Map(rows.map((r) => [r.checksum, r.data]));
}

/** Removes chunks of assembled bundles, and any chunk older than `olderThan` (abandoned uploads). */
export async function deleteChunks(
  db: Queryable,
  organizationId: string,
  checksums: string[],
  olderThan: Date,
): Promise<void> {
  await db.query(
    `DELETE FROM upload_chunks WHERE (organization_id = $1 AND checksum = ANY($2::text[])) OR created_at < $3`,
    [organizationId, checksums, olderThan],
  );
}

export async function findBundleId(db: Queryable, organizationId: string, checksum: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM artifact_bundles WHERE organization_id = $1 AND checksum = $2`,
    [organizationId, checksum],
  );
  return rows[0]?.id ?? null;
}

/** Inserts the bundle row; null when a concurrent assemble of the same checksum won. */
export async function insertBundle(
  db: Queryable,
  args: {
    organizationId: string;
    checksum: string;
    bundleDebugId: string | null;
    fileCount: number;
    sizeBytes: number;
  },
): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO artifact_bundles (organization_id, checksum, bundle_debug_id, file_count, size_bytes)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organization_id, checksum) DO NOTHING RETURNING id`,
    [args.organizationId, args.checksum, args.bundleDebugId, args.fileCount, args.sizeBytes],
  );
  return rows[0]?.id ?? null;
}

/** One INSERT per file: bundles can be large, and a single statement would hold them all at once. */
export async function insertBundleFiles(
  db: Queryable,
  bundleId: string,
  files: Array<BundleFile & { debugId: string | null; sha1: string }>,
): Promise<void> {
  for (const f of files) {
    await db.query(
      `INSERT INTO artifact_files (bundle_id, url, type, debug_id, sourcemap, sha1, size_bytes, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [bundleId, f.url, f.type, f.debugId, f.sourcemap, f.sha1, f.content.length, f.content],
    );
  }
}

export async function linkBundle(
  db: Queryable,
  args: { bundleId: string; organizationId: string; projectIds: string[]; release: string | null; dist: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO artifact_bundle_projects (bundle_id, project_id)
     SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
    [args.bundleId, args.projectIds],
  );
  if (args.release) {
    await db.query(
      `INSERT INTO artifact_bundle_releases (bundle_id, organization_id, release, dist) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [args.bundleId, args.organizationId, args.release, args.dist ?? ''],
    );
  }
}

export interface ArtifactFileRef {
  id: string;
  bundleId: string;
  url: string;
  type: ArtifactType;
  debugId: string | null;
  sourcemap: string | null;
}

const FILE_COLUMNS = `f.id, f.bundle_id AS "bundleId", f.url, f.type, f.debug_id::text AS "debugId", f.sourcemap`;

/** Files carrying any of the debug ids in bundles uploaded for the project; newest bundle first. */
export async function listFilesByDebugId(
  db: Queryable,
  projectIds: string[],
  debugIds: string[],
): Promise<Array<ArtifactFileRef & { projectId: string }>> {
  if (debugIds.length === 0) return [];
  const { rows } = await db.query<ArtifactFileRef & { projectId: string }>(
    `SELECT ${FILE_COLUMNS}, p.project_id AS "projectId"
       FROM artifact_files f JOIN artifact_bundle_projects p ON p.bundle_id = f.bundle_id
      WHERE f.debug_id = ANY($1::uuid[]) AND p.project_id = ANY($2::bigint[])
        AND f.type IN ('minified_source', 'source_map')
      ORDER BY f.bundle_id DESC, f.id`,
    [debugIds, projectIds],
  );
  return rows;
}

/** Files with one of the URLs in bundles uploaded for the project's release + dist; newest first. */
export async function listReleaseFiles(
  db: Queryable,
  args: { projectId: string; release: string; dist: string; urls: string[] },
): Promise<ArtifactFileRef[]> {
  if (args.urls.length === 0) return [];
  const { rows } = await db.query<ArtifactFileRef>(
    `SELECT ${FILE_COLUMNS}
       FROM artifact_bundle_releases r
       JOIN artifact_bundle_projects p ON p.bundle_id = r.bundle_id AND p.project_id = $1
       JOIN projects pr ON pr.id = p.project_id AND pr.organization_id = r.organization_id
       JOIN artifact_files f ON f.bundle_id = r.bundle_id
      WHERE r.release = $2 AND r.dist = $3 AND f.url = ANY($4::text[])
      ORDER BY f.bundle_id DESC, f.id`,
    [args.projectId, args.release, args.dist, args.urls],
  );
  return rows;
}

/** Which (project, release, dist) triples have any bundle uploaded: one query for a whole batch. */
export async function listReleasesWithBundles(
  db: Queryable,
  keys: Array<{ projectId: string; release: string; dist: string }>,
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.query<{ projectId: string; release: string; dist: string }>(
    `SELECT DISTINCT p.project_id::text AS "projectId", r.release, r.dist
       FROM unnest($1::bigint[], $2::text[], $3::text[]) AS k(project_id, release, dist)
       JOIN artifact_bundle_releases r ON r.release = k.release AND r.dist = k.dist
       JOIN artifact_bundle_projects p ON p.bundle_id = r.bundle_id AND p.project_id = k.project_id`,
    [keys.map((k) => k.projectId), keys.map((k) => k.release), keys.map((k) => k.dist)],
  );
  return new Set(rows.map((r) => releaseKey(r)));
}

export function releaseKey(k: { projectId: string; release: string; dist: string }): string {
  return JSON.stringify([k.projectId, k.release, k.dist]);
}

export async function listFileContents(db: Queryable, ids: string[]): Promise<Map<string, Buffer>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; content: Buffer }>(
    `SELECT id, content FROM artifact_files WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.content]));
}

/** Renews the bundles' last use (what retention judges them by); a no-op for ones renewed this hour. */
export async function touchArtifactBundles(db: Queryable, bundleIds: string[]): Promise<void> {
  if (bundleIds.length === 0) return;
  await db.query(
    `UPDATE artifact_bundles SET last_used_at = now() WHERE id = ANY($1::bigint[]) AND last_used_at < now() - interval '1 hour'`,
    [bundleIds],
  );
}

/** Retention: deletes bundles (and, by cascade, their files) neither uploaded nor used since `cutoff`. */
export async function expireArtifactBundles(db: Queryable, cutoff: Date, limit = 1_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM artifact_bundles WHERE id IN (
         SELECT id FROM artifact_bundles WHERE last_used_at < $1 AND created_at < $1 ORDER BY id LIMIT $2)`,
      [cutoff, limit],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < limit) return deleted;
  }
}
