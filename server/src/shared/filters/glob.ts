// Glob patterns of the inbound filters (error messages, releases, environments), as Sentry's
// settings accept them: case-insensitive, `*` any run of characters, `?` one character,
// `{a,b}` alternatives, `\` escapes. Matching is linear-ish (one backtrack point per `*`), never
// a regex, so a hostile pattern or subject cannot blow up; subjects are cut at MAX_SUBJECT_CHARS.

/** Longest subject looked at: messages are cut to 8192 characters by normalize anyway. */
export const MAX_SUBJECT_CHARS = 16 * 1024;
/** `{a,b}{c,d}…` expands multiplicatively; past this many variants the braces are literal. */
const MAX_VARIANTS = 64;

type Token = { kind: 'star' } | { kind: 'any' } | { kind: 'char'; c: string };

export interface GlobMatcher {
  (subject: string): boolean;
}

const cache = new Map<string, GlobMatcher>();
const CACHE_MAX = 2_000;

/** Compiles (and caches) a pattern; the empty pattern matches only the empty string. */
export function globMatcher(pattern: string): GlobMatcher {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const variants = expandBraces(pattern.toLowerCase()).map(tokenize);
  const matcher: GlobMatcher = (subject) => {
    const s = subject.length > MAX_SUBJECT_CHARS ? subject.slice(0, MAX_SUBJECT_CHARS) : subject;
    const lower = s.toLowerCase();
    return variants.some((tokens) => matchTokens(tokens, lower));
  };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(pattern, matcher);
  return matcher;
}

/** True when any of the patterns matches the subject. */
export function matchesAny(patterns: readonly string[], subject: string): boolean {
  return patterns.some((p) => globMatcher(p)(subject));
}

function expandBraces(pattern: string): string[] {
  let variants = [''];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      variants = variants.map((v) => v + pattern.slice(i, i + 2));
      i += 2;
      continue;
    }
    const close = c === '{' ? pattern.indexOf('}', i) : -1;
    if (close > i) {
      const options = pattern.slice(i + 1, close).split(',');
      if (variants.length * options.length <= MAX_VARIANTS) {
        variants = variants.flatMap((v) => options.map((o) => v + o));
        i = close + 1;
        continue;
      }
    }
    variants = variants.map((v) => (c === '{' || c === '}' ? `${v}\\${c}` : v + c));
    i++;
  }
  return variants;
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) tokens.push({ kind: 'char', c: pattern[++i]! });
    else if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'any' });
    else tokens.push({ kind: 'char', c });
  }
  return tokens;
}

/** Classic wildcard matching with a single backtrack point: O(subject × pattern) at worst. */
function matchTokens(tokens: Token[], s: string): boolean {
  let t = 0;
  let i = 0;
  let starT = -1;
  let starI = 0;
  while (i < s.length) {
    const tok = tokens[t];
    if (tok && (tok.kind === 'any' || (tok.kind === 'char' && tok.c === s[i]))) {
      t++;
      i++;
    } else if (tok?.kind === 'star') {
      starT = t++;
      starI = i;
    } else if (starT >= 0) {
      t = starT + 1;
      i = ++starI;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}
