// A bounded cache of grouping results: most events repeat a stack trace already seen, and
// computing the variants is the worker's largest per-event CPU cost. The key is a hash of
// exactly what computeGrouping can read (grouping.md): the grouping config, the project's
// enhancement and fingerprint rules (their text: a changed rule is a different key, so a rules
// change invalidates without a purge), platform, SDK, the client fingerprint, exceptions
// (type, value, mechanism, module, frames without their variables and surrounding source lines),
// threads, the bare stack trace, template and message. The transaction and the other tag-like
// attributes are in the key only where a rule or fingerprint variable can read them: built-in
// JavaScript rules (the transaction), project rules of either kind, and client fingerprints with
// `{{ variables }}`. (The value stays in the key always: whether a stack trace contributes, and so
// whether the value counts, is only known after grouping.) A cached result is frozen and shared.
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { GroupingOptions, GroupingResult } from '../grouping/index.js';
import { behaviorFamily } from '../grouping/javascript.js';
import type { Frame, NormalizedEvent, Stacktrace } from '../shared/protocol/event.js';

/** Entries kept; a result is a few hundred bytes, so this bounds the cache to a few MiB. */
export const GROUPING_CACHE_MAX_ENTRIES = 20_000;
/** Events whose key input is larger than this are computed, not cached (a key costs a hash of it). */
const MAX_KEY_INPUT_CHARS = 256 * 1024;

export interface GroupingCacheStats {
  hits: number;
  misses: number;
  /** Computed without the cache: key input too large. */
  skipped: number;
  size: number;
}

export interface GroupingCache {
  /** The cached result for this event and options, else `compute()`'s, remembered. */
  get(event: NormalizedEvent, opts: GroupingOptions | undefined, compute: () => GroupingResult): GroupingResult;
  stats(): GroupingCacheStats;
  clear(): void;
}

export type GroupingCacheLookup = 'hit' | 'miss' | 'skipped';

export function createGroupingCache(
  maxEntries = GROUPING_CACHE_MAX_ENTRIES,
  observe?: (lookup: GroupingCacheLookup) => void,
): GroupingCache {
  const lru = new LRUCache<string, GroupingResult>({ max: maxEntries });
  let hits = 0;
  let misses = 0;
  let skipped = 0;
  return {
    get(event, opts, compute) {
      const input = groupingKeyInput(event, opts);
      if (input.length > MAX_KEY_INPUT_CHARS) {
        skipped++;
        observe?.('skipped');
        return compute();
      }
      const key = hash('sha256', input, 'base64'); // one-shot: no Hash object per lookup
      const cached = lru.get(key);
      if (cached) {
        hits++;
        observe?.('hit');
        return cached;
      }
      misses++;
      observe?.('miss');
      const result = deepFreeze(compute());
      lru.set(key, result);
      return result;
    },
    stats: () => ({ hits, misses, skipped, size: lru.size }),
    clear() {
      lru.clear();
      hits = misses = skipped = 0;
    },
  };
}

/** Frame fields grouping never reads; everything else of a frame is in the key. */
const UNREAD_FRAME_FIELDS = new Set(['vars', 'pre_context', 'post_context']);

function frameInput(f: Frame): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in f) if (!UNREAD_FRAME_FIELDS.has(k)) out[k] = f[k];
  return out;
}

function stacktraceInput(st: Stacktrace | undefined): unknown {
  if (!st) return null;
  if (!Array.isArray(st.frames)) return { frames: st.frames ?? null };
  return { frames: st.frames.map(frameInput) };
}

/** The text the key is hashed from (exported for tests). */
export function groupingKeyInput(event: NormalizedEvent, opts: GroupingOptions = {}): string {
  const exceptions = event.exception?.values ?? [];
  const fingerprint = Array.isArray(event.fingerprint) ? event.fingerprint : null;
  const fingerprintVars =
    fingerprint?.some((e) => typeof e === 'string' && e.includes('{{') && !/^\{\{\s*default\s*\}\}$/.test(e)) ?? false;
  const projectRules = (opts.fingerprintRules ?? '').trim() !== '';
  const javascript = behaviorFamily(event.platform) === 'javascript';
  const readsAttributes = projectRules || fingerprintVars;
  return JSON.stringify([
    opts.config ?? null,
    opts.enhancements ?? null,
    opts.fingerprintRules ?? null,
    event.platform ?? null,
    event.sdk?.name ?? null,
    event.sdk?.version ?? null,
    fingerprint,
    exceptions.map((e) => [
      e.type ?? null,
      e.value ?? null,
      e.module ?? null,
      e.mechanism ?? null,
      stacktraceInput(e.stacktrace),
    ]),
    (event.threads?.values ?? []).map((t) => [t.crashed ?? null, t.current ?? null, stacktraceInput(t.stacktrace)]),
    stacktraceInput(event.stacktrace),
    event.template ?? null,
    event.logentry ?? null,
    typeof event.message === 'string' ? event.message : null,
    // Built-in JavaScript rules read the transaction (a tag, else the attribute).
    javascript ? [event.tags.find(([k]) => k === 'transaction')?.[1] ?? null, event.transaction ?? null] : null,
    readsAttributes
      ? [
          event.tags,
          event.transaction,
          event.level,
          event.logger,
          event.environment,
          event.release,
          event.dist,
          event.server_name,
        ]
      : null,
  ]);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
