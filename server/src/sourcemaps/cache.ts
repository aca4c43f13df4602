// The worker's LRU of parsed source maps (with the scope index of their minified file), bounded
// by the approximate bytes they retain. Keys are artifact file ids, which never change content,
// so entries need no invalidation. Concurrent loads of one key share one parse.
import { LRUCache } from 'lru-cache';
import type { ParsedMap } from './parsed-map.js';
import type { ScopeIndex } from './scopes.js';

export type CachedModule =
  | { ok: true; map: ParsedMap; scopes: ScopeIndex | null; lines: Map<number, string[]> }
  | { ok: false; reason: 'malformed-sourcemap' };

export interface SourceMapCache {
  /** Whether the key is cached (no recency update). */
  peek(key: string): boolean;
  load(key: string, loader: () => Promise<CachedModule>): Promise<CachedModule>;
  stats(): { entries: number; bytes: number; maxBytes: number };
}

const MIN_ENTRY_BYTES = 1024;

export function createSourceMapCache(maxBytes: number): SourceMapCache {
  const lru = new LRUCache<string, CachedModule>({
    maxSize: maxBytes,
    // A map larger than the whole budget is still used for the batch that loaded it, just not kept.
    maxEntrySize: maxBytes,
    sizeCalculation: (m) => Math.max(MIN_ENTRY_BYTES, m.ok ? m.map.bytes + (m.scopes?.bytes ?? 0) : 0),
  });
  const pending = new Map<string, Promise<CachedModule>>();
  return {
    peek: (key) => lru.has(key),
    async load(key, loader) {
      const hit = lru.get(key);
      if (hit) return hit;
      const inflight = pending.get(key);
      if (inflight) return inflight;
      const p = loader()
        .then((m) => {
          lru.set(key, m);
          return m;
        })
        .finally(() => pending.delete(key));
      pending.set(key, p);
      return p;
    },
    stats: () => ({ entries: lru.size, bytes: lru.calculatedSize, maxBytes }),
  };
}

/** Lines of one source of a cached map, split on first use. */
export function sourceLinesOf(m: Extract<CachedModule, { ok: true }>, sourceIndex: number): string[] | null {
  const cached = m.lines.get(sourceIndex);
  if (cached) return cached;
  const content = m.map.contents[sourceIndex];
  if (typeof content !== 'string') return null;
  const lines = content.split(/\r\n|\r|\n/);
  m.lines.set(sourceIndex, lines);
  return lines;
}
