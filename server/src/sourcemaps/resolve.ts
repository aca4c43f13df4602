// Pure source-map resolution rules: which uploaded file a frame needs (debug id from the
// event's debug_meta, else release + URL candidates), how a minified file names its map, and
// how a frame is rewritten from a parsed map (file, line, column, function, context, in_app).
// Follows Sentry's JS processing (protocol.md §8.3); no I/O here.
import { deriveJsModule } from '../grouping/index.js';
import type { Frame } from '../shared/protocol/event.js';
import { originalPosition, type ParsedMap } from './parsed-map.js';
import { scopeNameAt, type ScopeIndex } from './scopes.js';

/** Why a frame stayed minified (frame.data.symbolicator_status, event.errors[].type). */
export type SymbolicationStatus =
  | 'symbolicated'
  | 'missing-bundle-for-debug-id'
  | 'no-release'
  | 'no-release-match'
  | 'missing-source-file'
  | 'missing-sourcemap'
  | 'malformed-sourcemap'
  | 'no-mapping-for-position'
  | 'invalid-location';

const UUID_RE = /^([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/i;

/** Canonical lowercase hyphenated UUID; null when not a UUID (debug ids may carry an appendix). */
export function normalizeDebugId(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const m = UUID_RE.exec(
    raw
      .trim()
      .slice(0, 36)
      .replace(/[^0-9a-f-]/gi, ''),
  );
  return m ? `${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`.toLowerCase() : null;
}

/** code_file → debug id from `debug_meta.images[]` entries of type `sourcemap`. */
export function sourcemapImages(images: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(images)) return out;
  for (const img of images) {
    if (typeof img !== 'object' || img === null) continue;
    const { type, code_file: codeFile, debug_id: debugId } = img as Record<string, unknown>;
    const id = normalizeDebugId(debugId);
    if (type === 'sourcemap' && typeof codeFile === 'string' && id) out.set(codeFile, id);
  }
  return out;
}

/** The URL a frame was loaded from (abs_path, else filename). */
export function frameUrl(frame: Frame): string | null {
  const url = typeof frame.abs_path === 'string' && frame.abs_path !== '' ? frame.abs_path : frame.filename;
  return typeof url === 'string' && url !== '' ? url : null;
}

/**
 * Whether a frame is worth resolving: it has a position and a loadable location, and it is
 * not already source-level (Node frames arrive with context lines and need a map only when
 * they carry a debug id).
 */
export function isCandidateFrame(frame: Frame, hasDebugId: boolean): boolean {
  const url = frameUrl(frame);
  if (!url || typeof frame.lineno !== 'number' || frame.lineno < 1) return false;
  if (/^(?:<anonymous>|native|\[native code\])$/.test(url)) return false;
  if (hasDebugId) return true;
  if (frame.context_line !== undefined) return false;
  return /^(?:https?|file|app|webpack):\/\//.test(url) || url.startsWith('/') || url.startsWith('~/');
}

/** Stored-artifact URLs a frame URL can match (Sentry's release-file candidates). */
export function candidateUrls(url: string): string[] {
  const noFragment = url.split('#')[0]!;
  const relative = stripHost(noFragment);
  const out = [noFragment, noFragment.split('?')[0]!, `~${relative}`, `~${relative.split('?')[0]!}`];
  return [...new Set(out)];
}

/** Path part of a URL with a leading `/` (`~/x` → `/x`). */
export function stripHost(url: string): string {
  if (url.startsWith('~')) return url.slice(1);
  const i = url.indexOf('://');
  if (i < 0) return url;
  const rest = url.slice(i + 3);
  const slash = rest.indexOf('/');
  return slash < 0 ? '/' : rest.slice(slash);
}

/**
 * Joins a relative reference to a base URL, treating `~/` (any host) like an absolute path and
 * keeping the base's scheme and host; `..` never climbs above the host.
 */
export function joinUrl(rawBase: string, ref: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) return ref;
  const base = rawBase.split(/[?#]/)[0]!;
  const schemeAt = base.indexOf('://');
  const [prefix, path] =
    schemeAt >= 0 ? splitHost(base, schemeAt) : base.startsWith('~/') ? ['~', base.slice(1)] : ['', base];
  const right = ref.startsWith('~/') ? ref.slice(1) : ref;
  if (right.startsWith('//') && schemeAt >= 0) return `${base.slice(0, schemeAt)}:${right}`;
  const segments = right.startsWith('/') ? [] : path.split('/').slice(0, -1);
  for (const seg of right.split('/')) {
    if (seg === '..') {
      if (segments.length > 1) segments.pop();
    } else if (seg !== '.') {
      segments.push(seg);
    }
  }
  const joined = segments.join('/').replace(/\/{2,}/g, '/');
  return prefix + (joined.startsWith('/') ? joined : `/${joined}`);
}

function splitHost(url: string, schemeAt: number): [string, string] {
  const slash = url.indexOf('/', schemeAt + 3);
  return slash < 0 ? [url, '/'] : [url.slice(0, slash), url.slice(slash)];
}

/** The `//# sourceMappingURL=` reference of a minified file (searched from the end). */
export function sourceMappingUrlOf(source: string): string | null {
  const tail = source.slice(-4096);
  const m = /\/\/[#@]\s*sourceMappingURL=\s*(\S+)\s*$/m.exec(
    tail
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-3)
      .join('\n'),
  );
  return m ? m[1]! : null;
}

/** The decoded JSON of a `data:application/json;base64,` map reference. */
export function decodeDataUrl(ref: string): string | null {
  const m = /^data:application\/json(?:;charset=[\w-]+)?;base64,(.*)$/i.exec(ref);
  return m ? Buffer.from(m[1]!, 'base64').toString('utf8') : null;
}

/** Source names to the filename Sentry shows (`webpack://app/./src/x` → `./src/x`, `../../src/x` → `src/x`). */
export function displayFilename(source: string): string {
  const tilde = source.indexOf('/~/');
  if (source.startsWith('webpack:') && tilde >= 0) return `~/${source.slice(tilde + 3)}`;
  const ns = /^webpack:\/\/[a-zA-Z0-9_\-@.]+\/\.\//.exec(source);
  if (ns) return `./${source.slice(ns[0].length)}`;
  const name = source.startsWith('webpack:///') ? source.slice('webpack:///'.length) : source;
  // A map's sources are relative to the map (`../../src/cart.js`): the file is `src/cart.js`.
  return name.startsWith('../') ? name.replace(/^(?:\.\.?\/)+/, '') : name;
}

/** Sentry's in-app rules for mapped JS paths; null leaves the SDK's value. */
export function inAppFor(absPath: string, filename: string): boolean | null {
  if (absPath.startsWith('webpack:')) return filename.startsWith('./') && !filename.includes('/node_modules/');
  if (absPath.startsWith('app:')) return !/\bnode_modules\//.test(filename);
  if (absPath.includes('/node_modules/')) return false;
  return null;
}

const CONTEXT_LINES = 5;
const MAX_LINE_CHARS = 140; // longer lines are cut around the column, like Sentry's context

export function contextLines(
  lines: string[],
  lineno: number,
  colno: number,
): Pick<Frame, 'pre_context' | 'context_line' | 'post_context'> | null {
  const i = lineno - 1;
  if (i < 0 || i >= lines.length) return null;
  const cut = (l: string, col: number) => {
    if (l.length <= MAX_LINE_CHARS) return l;
    const start = Math.max(0, Math.min(col - MAX_LINE_CHARS / 2, l.length - MAX_LINE_CHARS));
    return `${start > 0 ? '{snip} ' : ''}${l.slice(start, start + MAX_LINE_CHARS)}${start + MAX_LINE_CHARS < l.length ? ' {snip}' : ''}`;
  };
  return {
    pre_context: lines.slice(Math.max(0, i - CONTEXT_LINES), i).map((l) => cut(l, 0)),
    context_line: cut(lines[i]!, colno),
    post_context: lines.slice(i + 1, i + 1 + CONTEXT_LINES).map((l) => cut(l, 0)),
  };
}

/** A resolved map and what it needs to rewrite frames. */
export interface MapModule {
  map: ParsedMap;
  /** Absolute URL of the map, the base for relative source names. */
  mapUrl: string;
  scopes: ScopeIndex | null;
  sourceLines: (sourceIndex: number) => string[] | null;
  resolvedWith: 'debug-id' | 'release';
}

export type FrameResult =
  { ok: true; frame: Frame; tokenName: string | null } | { ok: false; status: SymbolicationStatus };

/**
 * Rewrites one frame through its map. `callsiteName` is the original name at the calling
 * frame's position (the caller's token names the callee: Sentry's "caller naming").
 */
export function applyMap(raw: Frame, mod: MapModule, callsiteName: string | null): FrameResult {
  if (typeof raw.lineno !== 'number' || raw.lineno < 1) return { ok: false, status: 'invalid-location' };
  const line = raw.lineno - 1;
  const col = Math.max(0, (typeof raw.colno === 'number' ? raw.colno : 1) - 1);
  const pos = originalPosition(mod.map, line, col);
  if (!pos) return { ok: false, status: 'no-mapping-for-position' };
  const absPath = joinUrl(mod.mapUrl, pos.source);
  const filename = displayFilename(pos.source);
  const frame: Frame = {
    ...raw,
    abs_path: absPath,
    filename,
    lineno: pos.line,
    colno: pos.column,
    function: functionName(raw, mod, line, col, callsiteName),
  };
  delete frame.pre_context;
  delete frame.context_line;
  delete frame.post_context;
  const inApp = inAppFor(absPath, filename);
  if (inApp !== null) frame.in_app = inApp;
  const lines = mod.sourceLines(pos.sourceIndex);
  if (lines) Object.assign(frame, contextLines(lines, pos.line, pos.column));
  frame.data = {
    ...(raw.data ?? {}),
    sourcemap: mod.mapUrl,
    resolved_with: mod.resolvedWith,
    symbolicated: true,
    symbolicator_status: 'symbolicated',
  };
  return { ok: true, frame, tokenName: pos.name };
}

const USELESS_NAMES = new Set(['<anonymous>', '__webpack_require__', '__webpack_modules__']);

function functionName(raw: Frame, mod: MapModule, line: number, col: number, callsiteName: string | null): string {
  const scope = mod.scopes ? scopeNameAt(mod.scopes, line, col) : ({ kind: 'unknown' } as const);
  if (scope.kind === 'named' && !USELESS_NAMES.has(scope.name)) return scope.name;
  if (callsiteName) return callsiteName;
  if (scope.kind === 'anonymous') return scope.enclosing ? `${scope.enclosing}/<anonymous>` : '<anonymous>';
  return typeof raw.function === 'string' && raw.function !== '' ? raw.function : '<unknown>';
}

/**
 * Sentry's JS processing, after source mapping (mapped frames carry the original path): a frame
 * from a URL (http(s), `webpack:`, `app:`; abs_path, else filename, as Relay fills it) without a
 * module gets one derived from that path, which grouping then uses instead of the hashed file
 * name; `webpack:`/`app:` frames the SDK left without in_app are in app unless they come from
 * node_modules or webpack's `~/` (the resolver root). Mutates the frame; true when it changed.
 */
export function fillJsFrameMeta(frame: Frame): boolean {
  const url = frameUrl(frame);
  if (!url || !/^(?:https?|webpack|app):/.test(url)) return false;
  let changed = false;
  if (frame.module === undefined) {
    const module = deriveJsModule(url);
    if (module) {
      frame.module = module;
      changed = true;
    }
  }
  if (frame.in_app === undefined && /^(?:webpack|app):/.test(url)) {
    const filename = frame.filename ?? '';
    frame.in_app = !(
      url.includes('node_modules/') ||
      filename.includes('node_modules/') ||
      filename.startsWith('~/') ||
      url.includes('/~/')
    );
    changed = true;
  }
  return changed;
}
