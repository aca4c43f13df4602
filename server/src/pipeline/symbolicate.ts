// Step "symbolicate" (per batch, after tag, before the transaction): maps minified JavaScript frames
// back to original file, line, column and function through uploaded source maps, adds source
// context, re-evaluates in_app, keeps the minified frames in `raw_stacktrace`, and records per
// frame why it stayed minified (frame.data.symbolicator_status, event.errors). Then, mapped or
// not, URL frames get Sentry's derived module (and webpack:/app: ones in_app). A whole batch
// takes a handful of queries: the file lookups (sourcemaps/lookup.ts), then one for the
// contents the parsed-map cache (sourcemaps/cache.ts, one per worker: pipeline state) lacks.
import type { Queryable } from '../db/pool.js';
import type { Deps } from '../deps.js';
import type { ExceptionValue, Frame, NormalizedEvent, Stacktrace } from '../shared/protocol/event.js';
import { sourceLinesOf, type CachedModule, type SourceMapCache } from '../sourcemaps/cache.js';
import type { GroupingCache } from './grouping-cache.js';
import { parseSourceMap, SourceMapParseError } from '../sourcemaps/parsed-map.js';
import { findSources, type FrameJob, type Source, type SymbolicateItem } from '../sourcemaps/lookup.js';
import {
  applyMap,
  decodeDataUrl,
  fillJsFrameMeta,
  frameUrl,
  isCandidateFrame,
  sourceMappingUrlOf,
  sourcemapImages,
  type MapModule,
} from '../sourcemaps/resolve.js';
import { buildScopeIndex } from '../sourcemaps/scopes.js';
import { listFileContents, type ArtifactFileRef } from '../sourcemaps/store.js';
import { fingerprint } from './fingerprint.js';
import type { PreparedEvent } from './prepared.js';

export type { SymbolicateItem };

export interface SymbolicateDeps {
  db: Queryable;
  cache: SourceMapCache;
}

const JS_PLATFORMS = new Set(['javascript', 'node']);

/**
 * The pipeline hook: symbolicates a prepared batch and recomputes the grouping of the events
 * it changed, so issues group on original frames. A failure leaves events minified (logged),
 * never loses them.
 */
export async function symbolicatePrepared(
  deps: Pick<Deps, 'pool' | 'log'>,
  cache: SourceMapCache,
  prepared: PreparedEvent[],
  grouping?: GroupingCache,
): Promise<void> {
  const items = prepared.filter((p) => hasJsFrames(p.event));
  if (items.length === 0) return;
  let changed = items.map(() => false);
  try {
    changed = await symbolicateBatch(
      items.map((p) => ({ projectId: p.projectId, event: p.event })),
      { db: deps.pool, cache },
    );
  } catch (err) {
    deps.log.warn({ err, size: items.length }, 'symbolication failed, events keep their minified frames');
  }
  items.forEach((p, i) => {
    if (fillJsFrames(p.event) || changed[i]) Object.assign(p, fingerprint(p.event, undefined, grouping));
  });
}

/** Derived modules / in_app on the JS frames, after mapping (grouping does not derive them). */
export function fillJsFrames(event: NormalizedEvent): boolean {
  let changed = false;
  for (const { stacktrace } of stacktracesOf(event)) {
    for (const frame of stacktrace.frames) {
      if (
        JS_PLATFORMS.has(typeof frame.platform === 'string' ? frame.platform : event.platform) &&
        fillJsFrameMeta(frame)
      )
        changed = true;
    }
  }
  return changed;
}

function hasJsFrames(event: NormalizedEvent): boolean {
  return stacktracesOf(event).some(({ stacktrace }) =>
    stacktrace.frames.some((f) => JS_PLATFORMS.has(typeof f.platform === 'string' ? f.platform : event.platform)),
  );
}

/** Symbolicates one event (a batch of one). */
export async function symbolicate(
  event: NormalizedEvent,
  ctx: SymbolicateDeps & { projectId: string },
): Promise<NormalizedEvent> {
  await symbolicateBatch([{ projectId: ctx.projectId, event }], ctx);
  fillJsFrames(event);
  return event;
}

/** Symbolicates the JS frames of a batch in place; returns which events changed. */
export async function symbolicateBatch(items: SymbolicateItem[], deps: SymbolicateDeps): Promise<boolean[]> {
  const jobs = items.flatMap(frameJobs);
  if (jobs.length === 0) return items.map(() => false);
  await findSources(jobs, deps.db);
  const modules = await loadModules(jobs, deps);
  const changed = new Set<SymbolicateItem>();
  for (const item of items) if (rewriteEvent(item, jobs, modules)) changed.add(item);
  return items.map((i) => changed.has(i));
}

function stacktracesOf(
  event: NormalizedEvent,
): Array<{ holder: ExceptionValue | Record<string, unknown>; stacktrace: Stacktrace }> {
  const out: Array<{ holder: ExceptionValue | Record<string, unknown>; stacktrace: Stacktrace }> = [];
  for (const v of event.exception?.values ?? [])
    if (v.stacktrace?.frames) out.push({ holder: v, stacktrace: v.stacktrace });
  for (const t of event.threads?.values ?? [])
    if (t.stacktrace?.frames) out.push({ holder: t, stacktrace: t.stacktrace });
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
      const debugId = url
        ? (images.get(url) ?? (frame.filename ? images.get(frame.filename) : undefined) ?? null)
        : null;
      if (!url || !isCandidateFrame(frame, debugId !== null)) continue;
      jobs.push({ item, frame, url, debugId });
    }
  }
  return jobs;
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
  const ids = cold.flatMap(([, s]) =>
    s.kind === 'files'
      ? [s.map.id, ...(s.minified ? [s.minified.id] : [])]
      : s.kind === 'inline'
        ? [s.minified.id]
        : [],
  );
  const contents = await listFileContents(deps.db, [...new Set(ids)]);
  for (const [key, s] of wanted) out.set(key, await deps.cache.load(key, () => parseModule(s, contents, deps.db)));
  return out;
}

async function parseModule(s: Source, contents: Map<string, Buffer>, db: Queryable): Promise<CachedModule> {
  const text = async (f: ArtifactFileRef) =>
    (contents.get(f.id) ?? (await listFileContents(db, [f.id])).get(f.id))?.toString('utf8') ?? null;
  try {
    const minified = s.kind === 'missing' ? null : s.minified ? await text(s.minified) : null;
    const mapText =
      s.kind === 'files'
        ? await text(s.map)
        : s.kind === 'inline' && minified
          ? decodeDataUrl(sourceMappingUrlOf(minified) ?? '')
          : null;
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
      errors.set(`${outcome.status}\u0000${job.url}`, {
        type: outcome.status,
        url: job.url,
        ...(job.debugId ? { debug_id: job.debugId } : {}),
      });
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

function symbolicateFrame(
  job: FrameJob,
  modules: Map<string, CachedModule>,
  callsite: string | null,
): ReturnType<typeof applyMap> {
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
