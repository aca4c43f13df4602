// Which uploaded files each JavaScript frame of a batch needs, in a handful of queries: files by
// the frame's debug id; else, per (project, release, dist), the minified file by URL, the map it
// names (`sourcemap` header or `//# sourceMappingURL=`), and why a frame has none.
import { LRUCache } from 'lru-cache';
import type { Queryable } from '../db/pool.js';
import type { Frame, NormalizedEvent } from '../shared/protocol/event.js';
import { candidateUrls, decodeDataUrl, joinUrl, sourceMappingUrlOf, type SymbolicationStatus } from './resolve.js';
import {
  listFileContents,
  listFilesByDebugId,
  listReleaseFiles,
  listReleasesWithBundles,
  touchArtifactBundles,
  releaseKey,
  type ArtifactFileRef,
} from './store.js';

/** One event of a batch; `event` is rewritten in place. */
export interface SymbolicateItem {
  projectId: string;
  event: NormalizedEvent;
}

/** Where a frame's map comes from, once the lookups are done. */
export type Source =
  | {
      kind: 'files';
      map: ArtifactFileRef;
      minified: ArtifactFileRef | null;
      mapUrl: string;
      via: 'debug-id' | 'release';
    }
  | { kind: 'inline'; minified: ArtifactFileRef; mapUrl: string }
  | { kind: 'missing'; status: SymbolicationStatus; quiet?: boolean };

export interface FrameJob {
  item: SymbolicateItem;
  frame: Frame;
  url: string;
  debugId: string | null;
  source?: Source;
  /** The minified file found by release + URL (when no debug id matched). */
  minified?: ArtifactFileRef;
}

/** Resolves `source` on every job (debug id first, then release + URL). */
export async function findSources(jobs: FrameJob[], db: Queryable): Promise<void> {
  await findByDebugId(jobs, db);
  await findByRelease(
    jobs.filter((j) => !j.source),
    db,
  );
  await touchUsedBundles(jobs, db);
}

/** Bundles this process renewed recently: most batches then cost no extra statement. */
const recentlyTouched = new LRUCache<string, true>({ max: 10_000, ttl: 3_600_000 });

/** Renews the last use of every bundle that resolved a frame (retention keeps used bundles). */
async function touchUsedBundles(jobs: FrameJob[], db: Queryable): Promise<void> {
  const used = new Set<string>();
  for (const j of jobs) {
    if (j.source?.kind === 'files') used.add(j.source.map.bundleId);
    if (j.source?.kind === 'inline') used.add(j.source.minified.bundleId);
    if (j.minified) used.add(j.minified.bundleId);
  }
  const stale = [...used].filter((id) => !recentlyTouched.has(id));
  if (stale.length === 0) return;
  // Best effort: a failed renewal is retried with the next batch, and retention only deletes
  // bundles unused for RETENTION_DAYS, so it must not cost the frames their symbolication.
  await touchArtifactBundles(db, stale).then(
    () => stale.forEach((id) => recentlyTouched.set(id, true)),
    () => {},
  );
}

async function findByDebugId(jobs: FrameJob[], db: Queryable): Promise<void> {
  const withId = jobs.filter((j) => j.debugId);
  if (withId.length === 0) return;
  const projectIds = [...new Set(withId.map((j) => j.item.projectId))];
  const files = new Map<string, ArtifactFileRef[]>();
  for (const f of await listFilesByDebugId(db, projectIds, [...new Set(withId.map((j) => j.debugId!))])) {
    const key = `${f.projectId}:${f.debugId}`;
    files.set(key, [...(files.get(key) ?? []), f]);
  }
  for (const j of withId) {
    const mine = files.get(`${j.item.projectId}:${j.debugId}`) ?? [];
    const map = mine.find((f) => f.type === 'source_map');
    if (!map) continue; // falls back to release + URL; reported as a debug-id miss if that fails too
    const minified =
      mine.find((f) => f.type === 'minified_source' && f.bundleId === map.bundleId) ??
      mine.find((f) => f.type === 'minified_source') ??
      null;
    // Where the map sits relative to the page (not to the upload folder), so original source
    // paths come out the same whichever way a build was uploaded.
    const header = minified?.sourcemap;
    const ref = header && decodeDataUrl(header) === null ? header : map.url.slice(map.url.lastIndexOf('/') + 1);
    j.source = { kind: 'files', map, minified, mapUrl: joinUrl(j.url, ref), via: 'debug-id' };
  }
}

/**
 * Frames without a debug-id match, grouped by (project, release, dist): the minified file by URL.
 * Releases without any upload are found in one query; their server-side frames (file paths,
 * not URLs) are left alone quietly, since Node apps mostly run unminified code.
 */
async function findByRelease(jobs: FrameJob[], db: Queryable): Promise<void> {
  const groups = new Map<string, FrameJob[]>();
  for (const j of jobs) {
    if (!j.item.event.release) {
      j.source = missing(j, j.debugId ? 'missing-bundle-for-debug-id' : 'no-release');
      continue;
    }
    const key = groupKey(j);
    groups.set(key, [...(groups.get(key) ?? []), j]);
  }
  const keys = [...groups.keys()].map((k) => JSON.parse(k) as [string, string, string]);
  const uploaded = await listReleasesWithBundles(
    db,
    keys.map(([projectId, release, dist]) => ({ projectId, release, dist })),
  );
  for (const [key, group] of groups) {
    if (!uploaded.has(key)) {
      for (const j of group) j.source = missing(j, j.debugId ? 'missing-bundle-for-debug-id' : 'no-release-match');
      continue;
    }
    const [projectId, release, dist] = JSON.parse(key) as [string, string, string];
    const files = await listReleaseFiles(db, {
      projectId,
      release,
      dist,
      urls: [...new Set(group.flatMap((j) => candidateUrls(j.url)))],
    });
    const byUrl = firstByUrl(files.filter((f) => f.type !== 'source_map'));
    for (const j of group) {
      j.minified = candidateUrls(j.url)
        .map((u) => byUrl.get(u))
        .find((f) => f !== undefined);
      if (!j.minified) j.source = missing(j, j.debugId ? 'missing-bundle-for-debug-id' : 'missing-source-file');
    }
  }
  await findMapReferences(
    jobs.filter((j) => j.minified && !j.source),
    db,
  );
}

/** A miss to report — except frames from file paths of releases that uploaded nothing. */
function missing(j: FrameJob, status: SymbolicationStatus): Source {
  const quiet = !j.debugId && (status === 'no-release' || status === 'no-release-match') && !/^https?:\/\//.test(j.url);
  return { kind: 'missing', status, quiet };
}

/**
 * The map each minified file names — its `sourcemap` header, else the `//# sourceMappingURL=`
 * at its end (contents fetched in one query) — then the map files themselves, per release.
 */
async function findMapReferences(jobs: FrameJob[], db: Queryable): Promise<void> {
  const needContent = [...new Set(jobs.filter((j) => !j.minified!.sourcemap).map((j) => j.minified!.id))];
  const contents = await listFileContents(db, needContent);
  const refs = new Map<FrameJob, string>();
  for (const j of jobs) {
    const minified = j.minified!;
    const ref = minified.sourcemap ?? sourceMappingUrlOf(contents.get(minified.id)?.toString('utf8') ?? '');
    if (!ref) j.source = missing(j, 'missing-sourcemap');
    else if (decodeDataUrl(ref) !== null) j.source = { kind: 'inline', minified, mapUrl: j.url };
    else refs.set(j, joinUrl(minified.url, ref));
  }
  const groups = new Map<string, FrameJob[]>();
  for (const j of refs.keys()) groups.set(groupKey(j), [...(groups.get(groupKey(j)) ?? []), j]);
  for (const [key, group] of groups) {
    const [projectId, release, dist] = JSON.parse(key) as [string, string, string];
    const urls = [...new Set(group.flatMap((j) => candidateUrls(refs.get(j)!)))];
    const maps = firstByUrl(
      (await listReleaseFiles(db, { projectId, release, dist, urls })).filter((f) => f.type === 'source_map'),
    );
    for (const j of group) {
      const ref = refs.get(j)!;
      const map = candidateUrls(ref)
        .map((u) => maps.get(u))
        .find((f) => f !== undefined);
      j.source = map
        ? { kind: 'files', map, minified: j.minified!, mapUrl: absoluteArtifactUrl(ref, j.url), via: 'release' }
        : missing(j, 'missing-sourcemap');
    }
  }
}

function groupKey(j: FrameJob): string {
  return releaseKey({
    projectId: j.item.projectId,
    release: j.item.event.release ?? '',
    dist: j.item.event.dist ?? '',
  });
}

function firstByUrl(files: ArtifactFileRef[]): Map<string, ArtifactFileRef> {
  const out = new Map<string, ArtifactFileRef>();
  for (const f of files) if (!out.has(f.url)) out.set(f.url, f);
  return out;
}

/** `~/x.js.map` made absolute on the frame's origin, so source paths resolve to real URLs. */
function absoluteArtifactUrl(artifactUrl: string, frameUrl: string): string {
  if (!artifactUrl.startsWith('~/')) return artifactUrl;
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)/i.exec(frameUrl);
  return m ? m[1] + artifactUrl.slice(1) : artifactUrl;
}
