// Server-side fingerprint rules (project settings and the built-in ones): `matchers -> values`
// lines, e.g. `type:"DatabaseUnavailable" -> database-unavailable` or
// `family:javascript message:"Hydration*" -> hydrationerror, {{ tags.transaction }} title="…"`.
// The first matching rule wins; project rules are tried before built-in rules (grouping.md §2).
import { globToRegExp } from './glob.js';

export interface FingerprintMatcher {
  key: string;
  pattern: string;
  negated: boolean;
  /** Frame matchers only: -1 caller (towards main), +1 callee (towards the crash). */
  offset: -1 | 0 | 1;
}

export interface FingerprintRule {
  text: string;
  matchers: FingerprintMatcher[];
  fingerprint: string[];
  attributes: Record<string, string>;
  builtin: boolean;
}

const ALIASES: Record<string, string> = {
  'error.type': 'type',
  'error.value': 'value',
  'stack.module': 'module',
  'stack.abs_path': 'path',
  'stack.package': 'package',
  'stack.function': 'function',
  message: 'message',
  logger: 'logger',
  level: 'level',
  type: 'type',
  value: 'value',
  module: 'module',
  path: 'path',
  package: 'package',
  function: 'function',
  family: 'family',
  app: 'app',
  sdk: 'sdk',
  release: 'release',
};

const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');

function parseMatcher(token: string, offset: -1 | 0 | 1): FingerprintMatcher {
  const m = /^(!?)([a-zA-Z0-9_.-]+):(?:"((?:[^"\\]|\\.)*)"|(\S+))$/s.exec(token);
  if (!m) throw new Error(`invalid matcher "${token}"`);
  const rawKey = m[2]!;
  const key = rawKey.startsWith('tags.') ? rawKey : ALIASES[rawKey];
  if (!key) throw new Error(`unknown matcher "${rawKey}"`);
  return { key, pattern: m[3] !== undefined ? unescape(m[3]) : m[4]!, negated: m[1] === '!', offset };
}

function parseMatchers(left: string): FingerprintMatcher[] {
  const tokens = left.match(/\[|\]|\||(?:[^\s"[\]|]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  const matchers: FingerprintMatcher[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '|') continue;
    if (t === '[') {
      const isCallee = tokens[i - 1] === '|';
      if (tokens[i + 2] !== ']') throw new Error('unclosed "[" in fingerprint rule');
      matchers.push(parseMatcher(tokens[i + 1] ?? '', isCallee ? 1 : -1));
      i += isCallee ? 2 : 3;
      continue;
    }
    matchers.push(parseMatcher(t, 0));
  }
  if (matchers.length === 0) throw new Error('fingerprint rule without matchers');
  return matchers;
}

function parseRight(right: string): { fingerprint: string[]; attributes: Record<string, string> } {
  const fingerprint: string[] = [];
  const attributes: Record<string, string> = {};
  const re =
    /[\s,]*(?:([a-zA-Z0-9_.-]+)="((?:[^"\\]|\\.)*)"|"((?:[^"\\]|\\.)*)"|(\{\{\s*[^\s}]+\s*\}\})|([^\s{,]+))[\s,]*/y;
  let end = 0;
  let m: RegExpExecArray | null;
  while (end < right.length && (m = re.exec(right)) !== null) {
    if (m[1] !== undefined) attributes[m[1]] = unescape(m[2]!);
    else fingerprint.push(m[3] !== undefined ? unescape(m[3]) : (m[4] ?? m[5])!);
    end = re.lastIndex;
  }
  if (right.slice(end).trim() !== '') throw new Error(`cannot parse fingerprint "${right}"`);
  if (fingerprint.length === 0) throw new Error('fingerprint rule without fingerprint');
  return { fingerprint, attributes };
}

function splitOutsideQuotes(line: string, sep: string): [string, string] | null {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '"') inQuote = !inQuote;
    else if (!inQuote && line.startsWith(sep, i)) return [line.slice(0, i), line.slice(i + sep.length)];
  }
  return null;
}

/** Parses rule text; invalid lines are reported and skipped. */
export function parseFingerprintRules(text: string, builtin = false): { rules: FingerprintRule[]; errors: string[] } {
  const rules: FingerprintRule[] = [];
  const errors: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      const parts = splitOutsideQuotes(line, '->');
      if (!parts) throw new Error(`missing "->" in "${line}"`);
      rules.push({ text: line, matchers: parseMatchers(parts[0]), ...parseRight(parts[1]), builtin });
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { rules, errors };
}

// ---- matching ----

export type Values = Record<string, string | boolean | undefined>;

/** The event's values per match type, as Sentry's fingerprinting datastore exposes them. */
export interface FingerprintData {
  get(matchType: string): Values[];
}

const REGEX_CACHE = new Map<string, RegExp>();

function glob(pattern: string, mode: 'path' | 'plain' | 'plain-i'): RegExp {
  const key = `${mode}\u0000${pattern}`;
  let re = REGEX_CACHE.get(key);
  if (!re) {
    re = globToRegExp(mode === 'path' ? pattern.replace(/\\/g, '/') : pattern, {
      pathLike: mode === 'path',
      doubleStarAnywhere: true,
      caseInsensitive: mode !== 'plain',
    });
    if (REGEX_CACHE.size > 2000) REGEX_CACHE.clear();
    REGEX_CACHE.set(key, re);
  }
  return re;
}

function pathMatch(value: unknown, pattern: string): boolean {
  if (typeof value !== 'string') return false;
  const v = value.replace(/\\/g, '/');
  const re = glob(pattern, 'path');
  return re.test(v) || (!v.startsWith('/') && re.test(`/${v}`));
}

const TRUE_WORDS = ['1', 'yes', 'true'];
const FALSE_WORDS = ['0', 'no', 'false'];

function positiveMatch(m: FingerprintMatcher, values: Values): boolean {
  if (m.key === 'path') return [values.abs_path, values.filename].some((v) => pathMatch(v, m.pattern));
  if (m.key === 'message')
    return [values.message, values.value].some((v) => typeof v === 'string' && glob(m.pattern, 'plain-i').test(v));
  const value = values[m.key];
  if (value === undefined) return false;
  if (m.key === 'package' || m.key === 'release') return pathMatch(value, m.pattern);
  if (m.key === 'family' || m.key === 'sdk') {
    const flags = m.pattern.split(',');
    return flags.includes('all') || flags.includes(String(value));
  }
  if (m.key === 'app') {
    const p = m.pattern.toLowerCase();
    return TRUE_WORDS.includes(p) ? value === true : FALSE_WORDS.includes(p) ? value === false : false;
  }
  if (typeof value !== 'string') return false;
  if (m.key === 'level' || m.key === 'value') return glob(m.pattern, 'plain-i').test(value);
  return glob(m.pattern, 'plain').test(value);
}

function matchType(key: string): string {
  if (key === 'message') return 'toplevel';
  if (key === 'logger' || key === 'level') return 'log_info';
  if (key === 'type' || key === 'value') return 'exceptions';
  if (key.startsWith('tags.')) return 'tags';
  if (key === 'sdk' || key === 'family' || key === 'release') return key;
  return 'frames';
}

function ruleMatches(rule: FingerprintRule, data: FingerprintData): boolean {
  const groups = new Map<string, FingerprintMatcher[]>();
  for (const m of rule.matchers) groups.set(matchType(m.key), [...(groups.get(matchType(m.key)) ?? []), m]);
  for (const [type, matchers] of groups) {
    const items = data.get(type);
    const ok = items.some((_, idx) =>
      matchers.every((m) => {
        const item = items[idx + m.offset];
        return item !== undefined && m.negated !== positiveMatch(m, item);
      }),
    );
    if (!ok) return false;
  }
  return true;
}

export function findMatchingRule(
  rules: readonly FingerprintRule[],
  data: FingerprintData,
): FingerprintRule | undefined {
  return rules.find((rule) => ruleMatches(rule, data));
}
