// The Sentry issue search syntax (`is:unresolved level:error release:"1.0 beta" !browser:x text`)
// as tokens: parse for the search box chips, edit one filter, serialize back. Pure.

export interface QueryFilter {
  key: string;
  value: string;
  negated: boolean;
}

export interface ParsedQuery {
  filters: QueryFilter[];
  /** Free text words, in order, joined by single spaces. */
  text: string;
}

const TOKEN = /(!?)([A-Za-z_][\w.-]*):("(?:[^"\\]|\\.)*"|\S*)|"((?:[^"\\]|\\.)*)"|(\S+)/g;

function unquote(raw: string): string {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) return raw.slice(1, -1).replace(/\\(.)/g, '$1');
  return raw;
}

export function parseQuery(input: string): ParsedQuery {
  const filters: QueryFilter[] = [];
  const words: string[] = [];
  for (const m of input.matchAll(TOKEN)) {
    const [, bang, key, rawValue, quotedText, word] = m;
    if (key !== undefined && rawValue !== undefined) {
      // `key:` with nothing after it is free text the user is still typing, not a filter.
      if (rawValue === '') words.push(`${bang ?? ''}${key}:`);
      else filters.push({ key, value: unquote(rawValue), negated: bang === '!' });
    } else if (quotedText !== undefined) {
      words.push(quotedText.replace(/\\(.)/g, '$1'));
    } else if (word !== undefined) {
      words.push(word);
    }
  }
  return { filters, text: words.join(' ') };
}

function quoteIfNeeded(value: string): string {
  return /^[^\s"]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

export function formatFilter(f: QueryFilter): string {
  return `${f.negated ? '!' : ''}${f.key}:${quoteIfNeeded(f.value)}`;
}

export function serializeQuery(q: ParsedQuery): string {
  const parts = q.filters.map(formatFilter);
  if (q.text.trim()) parts.push(q.text.trim());
  return parts.join(' ');
}

/** Replaces every filter on `key` with one `key:value` (or removes them when value is null). */
export function setFilter(query: string, key: string, value: string | null): string {
  const q = parseQuery(query);
  const filters = q.filters.filter((f) => f.key !== key);
  if (value !== null) filters.push({ key, value, negated: false });
  return serializeQuery({ filters, text: q.text });
}

export function getFilter(query: string, key: string): string | null {
  const f = parseQuery(query).filters.find((x) => x.key === key && !x.negated);
  return f ? f.value : null;
}

/** Adds `key:value` unless the exact filter is already present. */
export function addFilter(query: string, key: string, value: string): string {
  const q = parseQuery(query);
  if (q.filters.some((f) => f.key === key && f.value === value && !f.negated)) return serializeQuery(q);
  return serializeQuery({ filters: [...q.filters, { key, value, negated: false }], text: q.text });
}
