// Values of the wrong type, met during normalize: converted when they are primitives, else
// removed and recorded in the event's `_meta` as Relay does (`{"": {"err": [["invalid_data",
// {"reason": "expected a string"}]]}}` at the value's path), so the event is stored without them.
// A client's object is never coerced with String()/Number(): `{"toString": 1}` would throw.

/** Errors by path, in the shape of Relay's `_meta` (nested like the event, leaf under `""`). */
export type EventMeta = Record<string, unknown>;

export function createEventMeta(): EventMeta {
  return Object.create(null) as EventMeta; // client keys such as `__proto__` stay plain keys
}

/** Records that the value at `path` was removed because it was not what the protocol wants. */
export function addMetaError(meta: EventMeta | undefined, path: ReadonlyArray<string | number>, reason: string): void {
  if (!meta) return;
  let node: Record<string, unknown> = meta;
  for (const part of path) {
    const key = String(part);
    const next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else node = node[key] = Object.create(null) as Record<string, unknown>;
  }
  const leaf = (node[''] ??= { err: [] }) as { err: unknown[] };
  leaf.err.push(['invalid_data', { reason }]);
}

/** A string for a string, number or boolean (never calling the client's value); else undefined. */
export function primitiveText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}
