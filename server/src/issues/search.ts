// Parser for the subset of Sentry's issue search syntax Faultline supports (pure, no I/O):
// `is:unresolved|resolved|ignored` (muted/archived are aliases of ignored), `is:assigned`,
// `is:unassigned`, `is:new|ongoing|regressed|escalating` (substatus), `assigned:me|my_teams|<email>|#team`,
// `level:`, `release:`, `environment:`, `has:<tag>`, any other `key:value` as a tag filter,
// `!` negation, quoted values, `[a, b]` value lists, `*` wildcards in tag values, and free text
// (matched against title and culprit). Every term must hold (AND); values in a list are ORed.
export type IssueStatus = 'unresolved' | 'resolved' | 'ignored';

export type SearchTerm =
  | { kind: 'status'; negated: boolean; statuses: IssueStatus[] }
  | { kind: 'substatus'; negated: boolean; substatuses: string[] }
  | { kind: 'assigned'; negated: boolean; to: AssignedTo }
  | { kind: 'level'; negated: boolean; values: string[] }
  | { kind: 'tag'; negated: boolean; key: string; values: string[] }
  | { kind: 'has'; negated: boolean; key: string }
  | { kind: 'text'; negated: boolean; value: string };

/** A person matches issues assigned to them or to one of their teams (Sentry's assigned_to_filter). */
export type AssignedTo = 'anyone' | 'me' | 'my_teams' | { email: string } | { teamSlug: string };

export interface IssueSearch {
  terms: SearchTerm[];
}

export class SearchSyntaxError extends Error {
  override name = 'SearchSyntaxError';
}

/** What Sentry searches when the request has no `query` parameter at all. */
export const DEFAULT_ISSUE_QUERY = 'is:unresolved';

const STATUS_ALIASES: Record<string, IssueStatus> = {
  unresolved: 'unresolved',
  resolved: 'resolved',
  ignored: 'ignored',
  muted: 'ignored',
  archived: 'ignored',
};
const SUBSTATUSES: Record<string, string> = {
  new: 'new',
  ongoing: 'ongoing',
  regressed: 'regressed',
  escalating: 'escalating',
};
const KEY_RE = /^[A-Za-z0-9_.-]+$/;
const TAG_KEY_BRACKETS_RE = /^tags\[([^\]]+)\]$/;

interface Token {
  negated: boolean;
  key: string | null;
  values: string[];
}

/**
 * Bounds on what one search may ask of Postgres: each term is a condition (most an EXISTS over
 * issue_tag_values), so their number bounds planning and execution; Sentry's own search answers
 * long queries with an error as well.
 */
export const MAX_SEARCH_TERMS = 32;
export const MAX_SEARCH_LIST_VALUES = 100;
export const MAX_SEARCH_QUERY_CHARS = 4096;

export function parseIssueSearch(query: string): IssueSearch {
  if (query.length > MAX_SEARCH_QUERY_CHARS)
    throw new SearchSyntaxError(`the query is longer than ${MAX_SEARCH_QUERY_CHARS} characters`);
  if (query.includes('\0')) throw new SearchSyntaxError('the query contains a NUL character');
  const terms: SearchTerm[] = [];
  const text: string[] = [];
  for (const token of tokenize(query)) {
    if (token.key === null) {
      if (token.negated) terms.push({ kind: 'text', negated: true, value: token.values[0]! });
      else text.push(token.values[0]!);
      continue;
    }
    const term = toTerm(token);
    if (term.kind === 'text' && !term.negated) text.push(term.value);
    else terms.push(term);
  }
  if (text.length > 0) terms.push({ kind: 'text', negated: false, value: text.join(' ') });
  if (terms.length > MAX_SEARCH_TERMS)
    throw new SearchSyntaxError(
      `too many search terms (${terms.length}): at most ${MAX_SEARCH_TERMS} filters per search`,
    );
  return { terms };
}

function toTerm(t: Token): SearchTerm {
  const { negated, values } = t;
  const key = t.key!;
  switch (key) {
    case 'is':
      return isTerm(negated, values);
    case 'assigned':
    case 'assigned_to':
      if (values.length !== 1) throw new SearchSyntaxError(`${key}: takes one value`);
      return { kind: 'assigned', negated, to: assignedTo(values[0]!) };
    case 'level':
      return { kind: 'level', negated, values: values.map((v) => v.toLowerCase()) };
    case 'has':
      if (values.length !== 1) throw new SearchSyntaxError('has: takes one tag name');
      return { kind: 'has', negated, key: values[0]! };
    case 'message':
      return { kind: 'text', negated, value: values.join(' ') };
    default:
      return { kind: 'tag', negated, key, values };
  }
}

function assignedTo(value: string): AssignedTo {
  if (value === 'me' || value === 'my_teams') return value;
  return value.startsWith('#') ? { teamSlug: value.slice(1).toLowerCase() } : { email: value };
}

function isTerm(negated: boolean, values: string[]): SearchTerm {
  const v = values.map((x) => x.toLowerCase());
  if (v.length === 1 && (v[0] === 'assigned' || v[0] === 'unassigned')) {
    return { kind: 'assigned', negated: v[0] === 'unassigned' ? !negated : negated, to: 'anyone' };
  }
  if (v.every((x) => x in STATUS_ALIASES)) {
    return { kind: 'status', negated, statuses: [...new Set(v.map((x) => STATUS_ALIASES[x]!))] };
  }
  if (v.every((x) => x in SUBSTATUSES))
    return { kind: 'substatus', negated, substatuses: v.map((x) => SUBSTATUSES[x]!) };
  const bad = v.find((x) => !(x in STATUS_ALIASES) && !(x in SUBSTATUSES));
  throw new SearchSyntaxError(
    `unsupported is:${bad ?? v.join(',')}; use unresolved, resolved, ignored, assigned, unassigned, new, ongoing, regressed or escalating`,
  );
}

/** Splits the query into tokens; quotes group words, `\"` escapes a quote inside them. */
function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const s = query;
  while (i < s.length) {
    if (/\s/.test(s[i]!)) {
      i++;
      continue;
    }
    const negated = s[i] === '!';
    if (negated) i++;
    // a key is a run of key characters (or tags[...]) followed by ':'
    const keyMatch = /^(tags\[[^\]]+\]|[A-Za-z0-9_.-]+):/.exec(s.slice(i));
    if (keyMatch) {
      const rawKey = keyMatch[1]!;
      const key = TAG_KEY_BRACKETS_RE.exec(rawKey)?.[1] ?? rawKey;
      const after = i + keyMatch[0].length;
      const { values, end } = readValue(s, after);
      if (values !== null && KEY_RE.test(key.replace(/:/g, '_'))) {
        tokens.push({ negated, key, values });
        i = end;
        continue;
      }
    }
    // free text: a quoted phrase or a bare word
    if (s[i] === '"') {
      const { value, end } = readQuoted(s, i);
      tokens.push({ negated, key: null, values: [value] });
      i = end;
    } else {
      let end = i;
      while (end < s.length && !/\s/.test(s[end]!)) end++;
      const word = s.slice(i, end);
      // a lone `!` is text, not a negation of nothing
      tokens.push(word === '' ? { negated: false, key: null, values: ['!'] } : { negated, key: null, values: [word] });
      i = end;
    }
  }
  return tokens;
}

/** Reads a value after `key:` — quoted, a [list], or bare; values null when it is empty. */
function readValue(s: string, at: number): { values: string[] | null; end: number } {
  if (at >= s.length || /\s/.test(s[at]!)) return { values: null, end: at };
  if (s[at] === '"') {
    const { value, end } = readQuoted(s, at);
    return { values: [value], end };
  }
  if (s[at] === '[') {
    const close = findListEnd(s, at);
    const inner = s.slice(at + 1, close);
    const values = splitList(inner);
    if (values.length === 0) throw new SearchSyntaxError('empty value list []');
    if (values.length > MAX_SEARCH_LIST_VALUES)
      throw new SearchSyntaxError(`too many values in a list (${values.length}): at most ${MAX_SEARCH_LIST_VALUES}`);
    return { values, end: close + 1 };
  }
  let end = at;
  while (end < s.length && !/\s/.test(s[end]!)) end++;
  return { values: [s.slice(at, end)], end };
}

function readQuoted(s: string, at: number): { value: string; end: number } {
  let out = '';
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) {
      out += s[i + 1];
      i++;
    } else if (c === '"') {
      return { value: out, end: i + 1 };
    } else {
      out += c;
    }
  }
  throw new SearchSyntaxError(`unterminated quote in ${JSON.stringify(s.slice(at))}`);
}

function findListEnd(s: string, at: number): number {
  let inQuote = false;
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && inQuote) i++;
    else if (c === '"') inQuote = !inQuote;
    else if (c === ']' && !inQuote) return i;
  }
  throw new SearchSyntaxError(`unterminated value list in ${JSON.stringify(s.slice(at))}`);
}

function splitList(inner: string): string[] {
  const values: string[] = [];
  let i = 0;
  while (i < inner.length) {
    while (i < inner.length && /[\s,]/.test(inner[i]!)) i++;
    if (i >= inner.length) break;
    if (inner[i] === '"') {
      const { value, end } = readQuoted(inner, i);
      values.push(value);
      i = end;
    } else {
      let end = i;
      while (end < inner.length && inner[end] !== ',') end++;
      const v = inner.slice(i, end).trim();
      if (v !== '') values.push(v);
      i = end;
    }
  }
  return values;
}
