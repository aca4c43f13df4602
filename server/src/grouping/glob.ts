// Glob patterns of stack-trace rules and fingerprint rules, translated to anchored RegExps.
// Two dialects, as Sentry has them: "path" globs (`*`/`?` stop at `/`, `**` only as a whole path
// component crosses it) and plain globs (`*` matches anything). Pure; compiled once per pattern.

export interface GlobOptions {
  /** `*` and `?` do not cross `/`; `**` does. */
  pathLike: boolean;
  /** Fingerprint-rule dialect: with pathLike, `**` crosses `/` wherever it appears. */
  doubleStarAnywhere?: boolean;
  caseInsensitive: boolean;
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/;

function escapeChar(ch: string): string {
  return REGEX_SPECIAL.test(ch) ? `\\${ch}` : ch;
}

// Reads a `[...]` class starting at `start`; returns the regex text and the index after `]`.
function readClass(pattern: string, start: number): { text: string; end: number } | null {
  let i = start + 1;
  let out = '[';
  if (pattern[i] === '!' || pattern[i] === '^') {
    out += '^';
    i++;
  }
  let first = true;
  for (; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === ']' && !first) return { text: `${out}]`, end: i + 1 };
    first = false;
    if (ch === '\\' && i + 1 < pattern.length) {
      out += `\\${pattern[++i]}`;
    } else {
      out += ch === '[' || ch === ']' ? `\\${ch}` : ch;
    }
  }
  return null;
}

function translateDoubleStar(
  pattern: string,
  i: number,
  opts: GlobOptions,
  any: string,
): { text: string; skip: number } {
  const prevIsSep = i === 0 || pattern[i - 1] === '/';
  const next = pattern[i + 2];
  if (opts.pathLike && opts.doubleStarAnywhere) return { text: '.*', skip: 2 };
  if (prevIsSep && next === '/') return { text: '(?:.*/)?', skip: 3 };
  if (prevIsSep && next === undefined) return { text: '.*', skip: 2 };
  // Not a whole path component: behaves like a single star.
  return { text: `${any}${any}`, skip: 2 };
}

export function globToRegExp(pattern: string, opts: GlobOptions): RegExp {
  const any = opts.pathLike ? '[^/]*' : '.*';
  const one = opts.pathLike ? '[^/]' : '.';
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length;) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      const { text, skip } = translateDoubleStar(pattern, i, opts, any);
      out += text;
      i += skip;
      continue;
    }
    if (ch === '*') out += any;
    else if (ch === '?') out += one;
    else if (ch === '[') {
      const cls = readClass(pattern, i);
      if (cls) {
        out += cls.text;
        i = cls.end;
        continue;
      }
      out += '\\[';
    } else if (ch === '{') {
      braces++;
      out += '(?:';
    } else if (ch === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (ch === ',' && braces > 0) out += '|';
    else if (ch === '\\' && i + 1 < pattern.length) {
      out += escapeChar(pattern[i + 1]!);
      i += 2;
      continue;
    } else out += escapeChar(ch);
    i++;
  }
  out += ')'.repeat(braces);
  return new RegExp(`^(?:${out})$`, opts.caseInsensitive ? 'is' : 's');
}
