// Stage "symbolicate" (per batch, before fingerprint/group): maps minified JavaScript frames
// back to original file, line, column and function through uploaded source maps, adds source
// context, re-evaluates in_app, keeps the minified frames in `raw_stacktrace`, and records per
// frame why it stayed minified (frame.data.symbolicator_status, event.errors). Lookups for a
// whole batch take a handful of queries: files by debug id, files by release + URL, the map
// files those name, and the contents the parsed-map cache lacks.
import type { Queryable } from '../db/pool.js';
import type { Deps } from '../deps.js';
import type { ExceptionValue, Frame, NormalizedEvent, Stacktrace } from '../protocol/event.js';
import { createSourceMapCache, sourceLinesOf, type CachedModule, type SourceMapCache } from '../sourcemaps/cache.js';
import { parseSourceMap, SourceMapParseError } from '../sourcemaps/parsed-map.js';
import {
  applyMap,
  candidateUrls,
  decodeDataUrl,
  frameUrl,
  isCandidateFrame,
  joinUrl,
  sourceMappingUrlOf,
  sourcemapImages,
  type MapModule,
  type SymbolicationStatus,
} from '../sourcemaps/resolve.js';
import { buildScopeIndex } from '../sourcemaps/scopes.js';
import { fingerprint } from './fingerprint.js';
import type { PreparedEvent } from './prepared.js';
import {
  listFileContents,
  listFilesByDebugId,
  listReleaseFiles,
  listReleasesWithBundles,
  releaseKey,
  type ArtifactFileRef,
} from '../sourcemaps/store.js';

export interface SymbolicateDeps {
  db: Queryable;
  cache: SourceMapCache;
}

/** One event of a batch; `event` is rewritten in place. */
export interface SymbolicateItem {
  projectId: string;
  event: NormalizedEvent;
}

/** Where a frame's map comes from, once the lookups are done. */
type Source =
  | { kind: 'files'; map: ArtifactFileRef; minified: ArtifactFileRef | null; mapUrl: string; via: 'debug-id' | 'release' }
  | { kind: 'inline'; minified: ArtifactFileRef; mapUrl: string }
  | { kind: 'missing'; status: SymbolicationStatus; quiet?: boolean };

interface FrameJob {
  item: SymbolicateItem;
  frame: Frame;
  url: string;
  debugId: string | null;
  source?: Source;
  /** The minified file found by release + URL (when no debug id matched). */
  minified?: ArtifactFileRef;
}

const JS_PLATFORMS = new Set(['javascript', 'node']);

let defaultCache: SourceMapCache | undefined;
/** The worker's process-wide cache (created on first use with the configured bound). */
export function sharedSourceMapCache(maxBytes: number): SourceMapCache {
  defaultCache ??= createSourceMapCache(maxBytes);
  return defaultCache;
}

/**
 * The pipeline hook: symbolicates a prepared batch and recomputes the grouping of the events
 * it changed, so issues group on original frames. A failure leaves events minified (logged),
 * never loses them.
 */
export async function symbolicatePrepared(deps: Pick<Deps, 'pool' | 'log' | 'config'>, prepared: PreparedEvent[]): Promise<void> {
  const items = prepared.filter((p) => hasJsFrames(p.event));
  if (items.length === 0) return;
  try {
    const cache = sharedSourceMapCache(deps.config.sourcemaps.cacheBytes);
    const changed = await symbolicateBatch(items.map((p) => ({ projectId: p.projectId, event: p.event })), { db: deps.pool, cache });
    items.forEach((p, i) => {
      if (changed[i]) Object.assign(p, fingerprint(p.event));
    });
  } catch (err) {
    deps.log.warn({ err, size: items.length }, 'symbolication failed, events keep their minified frames');
  }
}

function hasJsFrames(event: NormalizedEvent): boolean {
  return stacktracesOf(event).some(({ stacktrace }) =>
    stacktrace.frames.some((f) => JS_PLATFORMS.has(typeof f.platform === 'string' ? f.platform : event.platform)));
}

/** Symbolicates one event (a batch of one). */
export async function symbolicate(event: NormalizedEvent, ctx: SymbolicateDeps & { projectId: string }): Promise<NormalizedEvent> {
  await symbolicateBatch([{ projectId: ctx.projectId, event }], ctx);
  return event;
}

/** Symbolicates the JS frames of a batch in place; returns which events changed. */
export async function symbolicateBatch(items: SymbolicateItem[], deps: SymbolicateDeps): Promise<boolean[]> {
  const jobs = items.flatMap(frameJobs);
  if (jobs.length === 0) return items.map(() => false);
  await findByDebugId(jobs, deps.db);
  await findByRelease(jobs.filter((j) => !j.source), deps.db);
  const modules = await loadModules(jobs, deps);
  const changed = new Set<SymbolicateItem>();
  for (const item of items) if (rewriteEvent(item, jobs, modules)) changed.add(item);
  return items.map((i) => changed.has(i));
}

function stacktracesOf(event: NormalizedEvent): Array<{ holder: ExceptionValue | Record<string, unknown>; stacktrace: Stacktrace }> {
  const out: Array<{ holder: ExceptionValue | Record<string, unknown>; stacktrace: Stacktrace }> = [];
  for (const v of event.exception?.values ?? []) if (v.stacktrace?.frames) out.push({ holder: v, stacktrace: v.stacktrace });
  for (const t of event.threads?.values ?? []) if (t.stacktrace?.frames) out.push({ holder: t, stacktrace: t.stacktrace });
  if (event.stacktrace?.frames) out.push({ holder: event as Record<string, unknown>, stacktrace: event.stacktrace });
  return out;
}

function frameJobs(item: SymbolicateItem): FrameJob[] {
  const images = sourcemapImages(item.event.debug_meta?.images);
  const jobs: FrameJob[] = [];
  for (const { stacktrace } of stacktracesOf(item.event)) {
    for (const frame of stacktrace.frames) {
      const platform = typeof frame.platform === 'string' ? frame.platform : item.event.platform;
      if (!JS_PLATFORMS.has(platform)) continue;
      const url = frameUrl(frame);
      const debugId = url ? images.get(url) ?? (frame.filename ? images.get(frame.filename) : undefined) ?? null : null;
      if (!url || !isCandidateFrame(frame, debugId !== null)) continue;
      jobs.push({ item, frame, url, debugId });
    }
  }
  return jobs;
}

async function findByDebugId(jobs: FrameJob[], db: Queryable): Promise<void> {
  const withId = jobs.filter((j) => j.debugId);
  if (withId.length === 0) return;
  const projectIds = [...new Set(withId.map((j) => j.item.projectId))];
  const files = await listFilesByDebugId(db, projectIds, [...new Set(withId.map((j) => j.debugId!))]);
  for (const j of withId) {
    const mine = files.filter((f) => f.projectId === j.item.projectId && f.debugId === j.debugId);
    const map = mine.find((f) => f.type === 'source_map');
    if (!map) continue; // falls back to release + URL; reported as a debug-id miss if that fails too
    const minified = mine.find((f) => f.type === 'minified_source' && f.bundleId === map.bundleId) ?? mine.find((f) => f.type === 'minified_source') ?? null;
    j.source = { kind: 'files', map, minified, mapUrl: absoluteArtifactUrl(map.url, j.url), via: 'debug-id' };
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
  const uploaded = await listReleasesWithBundles(db, keys.map(([projectId, release, dist]) => ({ projectId, release, dist })));
  for (const [key, group] of groups) {
    if (!uploaded.has(key)) {
      for (const j of group) j.source = missing(j, j.debugId ? 'missing-bundle-for-debug-id' : 'no-release-match');
      continue;
    }
    const [projectId, release, dist] = JSON.parse(key) as [string, string, string];
    const files = await listReleaseFiles(db, { projectId, release, dist, urls: [...new Set(group.flatMap((j) => candidateUrls(j.url)))] });
    const byUrl = firstByUrl(files.filter((f) => f.type !== 'source_map'));
    for (const j of group) {
      j.minified = candidateUrls(j.url).map((u) => byUrl.get(u)).find((f) => f !== undefined);
      if (!j.minified) j.source = missing(j, j.debugId ? 'missing-bundle-for-debug-id' : 'missing-source-file');
    }
  }
  await findMapReferences(jobs.filter((j) => j.minified && !j.source), db);
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
    const maps = firstByUrl((await listReleaseFiles(db, { projectId, release, dist, urls })).filter((f) => f.type === 'source_map'));
    for (const j of group) {
      const ref = refs.get(j)!;
      const map = candidateUrls(ref).map((u) => maps.get(u)).find((f) => f !== undefined);
      j.source = map
        ? { kind: 'files', map, minified: j.minified!, mapUrl: absoluteArtifactUrl(ref, j.url), via: 'release' }
        : missing(j, 'missing-sourcemap');
    }
  }
}

function groupKey(j: FrameJob): string {
  return releaseKey({ projectId: j.item.projectId, release: j.item.event.release ?? '', dist: j.item.event.dist ?? '' });
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

function moduleKey(s: Source): string | null {
  if (s.kind === 'files') return `${s.map.id}:${s.minified?.id ?? ''}`;
  if (s.kind === 'inline') return `inline:${s.minified.id}`;
  return null;
}

/** Parses every map the batch needs (cache first), fetching missing contents in one query. */
async function loadModules(jobs: FrameJob[], deps: SymbolicateDeps): Promise<Map<string, CachedModule>> {
  const wanted = new Map<string, Source>();
  for (const j of jobs) {
    const key = j.source ? moduleKey(j.source) : null;
    if (key && j.source) wanted.set(key, j.source);
  }
  const out = new Map<string, CachedModule>();
  const cold = [...wanted].filter(([key]) => !deps.cache.peek(key));
  const ids = cold.flatMap(([, s]) => (s.kind === 'files' ? [s.map.id, ...(s.minified ? [s.minified.id] : [])] : s.kind === 'inline' ? [s.minified.id] : []));
  const contents = await listFileContents(deps.db, [...new Set(ids)]);
  for (const [key, s] of wanted) out.set(key, await deps.cache.load(key, () => parseModule(s, contents, deps.db)));
  return out;
}

async function parseModule(s: Source, contents: Map<string, Buffer>, db: Queryable): Promise<CachedModule> {
  const text = async (f: ArtifactFileRef) => (contents.get(f.id) ?? (await listFileContents(db, [f.id])).get(f.id))?.toString('utf8') ?? null;
  try {
    const minified = s.kind === 'missing' ? null : s.minified ? await text(s.minified) : null;
    const mapText = s.kind === 'files' ? await text(s.map) : s.kind === 'inline' && minified ? decodeDataUrl(sourceMappingUrlOf(minified) ?? '') : null;
    if (mapText === null) return { ok: false, reason: 'malformed-sourcemap' };
    const map = await parseSourceMap(mapText);
    return { ok: true, map, scopes: minified ? buildScopeIndex(minified, map) : null, lines: new Map() };
  } catch (err) {
    if (err instanceof SourceMapParseError) return { ok: false, reason: 'malformed-sourcemap' };
    throw err;
  }
}

/** Applies the results to one event's stack traces; true when anything changed. */
function rewriteEvent(item: SymbolicateItem, jobs: FrameJob[], modules: Map<string, CachedModule>): boolean {
  const byFrame = new Map(jobs.filter((j) => j.item === item).map((j) => [j.frame, j]));
  if (byFrame.size === 0) return false;
  const errors = new Map<string, Record<string, unknown>>();
  let symbolicated = false;
  for (const { holder, stacktrace } of stacktracesOf(item.event)) {
    const raw = stacktrace.frames.map((f) => structuredClone(f));
    let callsite: string | null = null;
    let any = false;
    stacktrace.frames = stacktrace.frames.map((frame) => {
      const job = byFrame.get(frame);
      if (!job || (job.source?.kind === 'missing' && job.source.quiet)) {
        callsite = null;
        return frame;
      }
      const outcome = symbolicateFrame(job, modules, callsite);
      callsite = outcome.ok ? outcome.tokenName : null;
      if (outcome.ok) {
        any = true;
        return outcome.frame;
      }
      errors.set(`${outcome.status}\u0000${job.url}`, { type: outcome.status, url: job.url, ...(job.debugId ? { debug_id: job.debugId } : {}) });
      return { ...frame, data: { ...(frame.data ?? {}), symbolicator_status: outcome.status } };
    });
    if (!any) continue;
    (holder as { raw_stacktrace?: Stacktrace }).raw_stacktrace = { ...stacktrace, frames: raw };
    symbolicated = true;
  }
  if (errors.size > 0) {
    const existing = Array.isArray(item.event.errors) ? (item.event.errors as unknown[]) : [];
    item.event.errors = [...existing, ...errors.values()];
  }
  return symbolicated;
}

function symbolicateFrame(job: FrameJob, modules: Map<string, CachedModule>, callsite: string | null): ReturnType<typeof applyMap> {
  const source = job.source ?? { kind: 'missing', status: 'no-release-match' as const };
  if (source.kind === 'missing') return { ok: false, status: source.status };
  const cached = modules.get(moduleKey(source)!);
  if (!cached || !cached.ok) return { ok: false, status: 'malformed-sourcemap' };
  const mod: MapModule = {
    map: cached.map,
    mapUrl: source.mapUrl,
    scopes: cached.scopes,
    sourceLines: (i) => sourceLinesOf(cached, i),
    resolvedWith: source.kind === 'files' ? source.via : 'release',
  };
  return applyMap(job.frame, mod, callsite);
}
