// Makes user-supplied data (extra, contexts, user, breadcrumb data) safe for JSON.stringify:
// bounded depth and breadth, no cycles, no BigInt/functions/symbols. Never throws.

const MAX_DEPTH = 6;
const MAX_KEYS = 100;
const MAX_STRING = 8 * 1024;

/** A JSON-safe copy of `value` (depth ≤ 6, ≤ 100 keys/items per level, strings ≤ 8 KiB). */
export function normalize(value: unknown, depth = MAX_DEPTH): unknown {
  try {
    return walk(value, depth, new WeakSet());
  } catch {
    return '[unserializable]';
  }
}

/** Normalizes every value of a record; non-objects become an empty record. */
export function normalizeRecord(value: unknown): Record<string, unknown> {
  const out = normalize(value);
  return out !== null && typeof out === 'object' && !Array.isArray(out) ? (out as Record<string, unknown>) : {};
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return `${value.toString()}n`;
    case 'undefined':
      return null;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function: ${value.name || '<anonymous>'}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return '[Circular ~]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (depth <= 0) return Array.isArray(value) ? '[Array]' : '[Object]';
  seen.add(obj);
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_KEYS).map((v) => walk(v, depth - 1, seen));
      if (value.length > MAX_KEYS) items.push('[MaxProperties ~]');
      return items;
    }
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const key of Object.keys(obj)) {
      if (n++ >= MAX_KEYS) {
        out['…'] = '[MaxProperties ~]';
        break;
      }
      const v = (obj as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = walk(v, depth - 1, seen);
    }
    return out;
  } finally {
    // A value seen on a sibling branch is not a cycle.
    seen.delete(obj);
  }
}
