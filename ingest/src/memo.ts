// A bounded memo for pure parses of the strings a client repeats on every request (the auth
// header or query, the envelope's dsn, the Origin): one SDK sends the same few values, so most
// requests skip the parse. Hostile variety costs no more than the parse itself plus a clear now
// and then: past `max` entries the map starts over, and long strings are never kept. The values
// are shared between requests, so callers treat them as read-only.

export function boundedMemo<T>(parse: (text: string) => T, max = 1024, maxChars = 2048): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    if (text.length > maxChars) return parse(text);
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const value = parse(text);
    if (cache.size >= max) cache.clear();
    cache.set(text, value);
    return value;
  };
}
