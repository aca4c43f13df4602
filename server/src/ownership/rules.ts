// Ownership rules, pure: Sentry's text syntax parsed line by line, and matched against an event.
// One rule a line: `[type:]pattern owner...` with type path (the default), module, url,
// tags.KEY or codeowners; owners are member e-mails or `#team`; `#` starts a comment line.
// Globs are case-insensitive, `*` crosses `/` (Sentry's glob_match), except in codeowners rules
// (gitignore semantics). A path pattern not starting with `/` or `*` also matches from any
// directory down (`src/cart.js` matches `/srv/app/src/cart.js`), since frames carry absolute
// paths. Precedence as in Sentry: the last matching rule wins (it comes first in the result).
import { globToRegExp } from '../grouping/glob.js';

export type RuleType = 'path' | 'module' | 'url' | 'tag' | 'codeowners';

export type Owner = { type: 'user'; email: string } | { type: 'team'; slug: string };

export interface OwnershipRule {
  line: number;
  type: RuleType;
  /** For tag rules, the tag key. */
  key: string | null;
  pattern: string;
  owners: Owner[];
  /** The rule's matcher as written, e.g. `path:src/*` or `tags.browser:Chrome*`. */
  matcher: string;
}

export interface RuleError {
  line: number;
  message: string;
}

/** Bounds: Sentry caps the raw text at 100,000 characters; a line this long is not a rule. */
export const MAX_RAW_CHARS = 100_000;
const MAX_LINE_CHARS = 2_000;
const MAX_OWNERS = 50;
/** Each rule is tested against every frame of every new issue's event: keep the product bounded. */
export const MAX_RULES = 1000;

const EMAIL = /^[^\s@#]+@[^\s@]+\.[^\s@]+$/;
const TEAM = /^#[a-z0-9][a-z0-9_-]{0,49}$/i;

export function parseRules(raw: string): { rules: OwnershipRule[]; errors: RuleError[] } {
  const rules: OwnershipRule[] = [];
  const errors: RuleError[] = [];
  if (raw.length > MAX_RAW_CHARS)
    return { rules, errors: [{ line: 0, message: `the rules exceed ${MAX_RAW_CHARS} characters` }] };
  raw.split(/\r?\n/).forEach((text, i) => {
    const line = i + 1;
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (trimmed.length > MAX_LINE_CHARS)
      return void errors.push({ line, message: `longer than ${MAX_LINE_CHARS} characters` });
    const parsed = parseLine(trimmed);
    if ('message' in parsed) errors.push({ line, message: parsed.message });
    else if (rules.length >= MAX_RULES) errors.push({ line, message: `more than ${MAX_RULES} rules` });
    else rules.push({ line, ...parsed });
  });
  return { rules, errors };
}

function parseLine(text: string): Omit<OwnershipRule, 'line'> | { message: string } {
  const m = /^(?:(path|module|url|codeowners|tags\.[^\s:"]+):)?("([^"]*)"|[^\s"]+)\s*(.*)$/i.exec(text);
  if (!m) return { message: 'expected `type:pattern owner…` (type path, module, url, tags.KEY or codeowners)' };
  const prefix = (m[1] ?? 'path').toLowerCase();
  const pattern = m[3] ?? m[2]!;
  if (pattern === '') return { message: 'empty pattern' };
  if (!m[1] && /^[a-z]+(\.[^:]*)?:/i.test(text) && !/^[a-z]+:\/\//i.test(text)) {
    return { message: `unknown rule type "${text.split(':')[0]}" (use path, module, url, tags.KEY or codeowners)` };
  }
  const tokens = m[4]!.split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return { message: `no owners for "${pattern}" (add member e-mails or #team)` };
  if (tokens.length > MAX_OWNERS) return { message: `more than ${MAX_OWNERS} owners` };
  const owners: Owner[] = [];
  for (const t of tokens) {
    if (TEAM.test(t)) owners.push({ type: 'team', slug: t.slice(1).toLowerCase() });
    else if (EMAIL.test(t)) owners.push({ type: 'user', email: t.toLowerCase() });
    else return { message: `"${t}" is not an owner (use a member's e-mail or #team)` };
  }
  const type: RuleType = prefix.startsWith('tags.') ? 'tag' : (prefix as RuleType);
  const key = type === 'tag' ? m[1]!.slice('tags.'.length) : null;
  return { type, key, pattern, owners, matcher: `${m[1] ?? 'path'}:${m[3] !== undefined ? `"${pattern}"` : pattern}` };
}

/** What rules match against: frames, the request URL and the tags. */
export interface OwnershipEvent {
  frames: Array<{ filename?: string | null; absPath?: string | null; module?: string | null }>;
  url: string | null;
  tags: Array<[string, string]>;
}

const compiled = new Map<string, RegExp>();

function glob(pattern: string, pathLike: boolean): RegExp {
  const key = `${pathLike ? 1 : 0}${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    re = globToRegExp(pattern, { pathLike, caseInsensitive: true });
    if (compiled.size > 5000) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

/** The path as rules see it: `/` separators, bounded (client-controlled). */
function normPath(value: string): string {
  return value.replace(/\\/g, '/').slice(-2048);
}

/** A relative path pattern also matches from any directory down: one regex with an optional prefix. */
function pathGlob(pattern: string): RegExp {
  const anchored = pattern.startsWith('/') || pattern.startsWith('*');
  return glob(anchored ? pattern : `**/${pattern}`, false);
}

export function ruleMatches(rule: OwnershipRule, ev: OwnershipEvent): boolean {
  switch (rule.type) {
    case 'path': {
      const re = pathGlob(rule.pattern);
      return ev.frames.some((f) => [f.filename, f.absPath].some((p) => !!p && re.test(normPath(p))));
    }
    case 'codeowners':
      return ev.frames.some((f) => [f.filename, f.absPath].some((p) => !!p && codeownersMatch(rule.pattern, p)));
    case 'module': {
      const re = glob(rule.pattern, false);
      return ev.frames.some((f) => !!f.module && re.test(f.module.slice(0, 1024)));
    }
    case 'url':
      return ev.url !== null && glob(rule.pattern, false).test(ev.url.slice(0, 4096));
    case 'tag': {
      const re = glob(rule.pattern, false);
      return ev.tags.some(([k, v]) => k === rule.key && re.test(v.slice(0, 1024)));
    }
  }
}

/**
 * GitHub CODEOWNERS semantics against a frame path whose repository root is unknown: a pattern
 * with a `/` before its end is anchored at some directory of the path, one without matches a
 * file or directory name anywhere; a trailing `/` (or a directory match) covers everything below.
 */
export function codeownersMatch(pattern: string, path: string): boolean {
  const p = pattern.replace(/^\/+/, '');
  const body = p.replace(/\/+$/, '');
  if (body === '' || body === '*') return true;
  return codeownersRegex(body, p.endsWith('/')).test(normPath(path));
}

const codeownersCompiled = new Map<string, RegExp>();

/** `**\/body` (the repository root is somewhere up the path), then everything below a directory match. */
function codeownersRegex(body: string, dirOnly: boolean): RegExp {
  const key = `${dirOnly ? 1 : 0}${body}`;
  let re = codeownersCompiled.get(key);
  if (!re) {
    const core = glob(`**/${body}`, true).source.slice(1, -1);
    re = new RegExp(`^${core}${dirOnly ? '/.+' : '(?:/.*)?'}$`, 'is');
    if (codeownersCompiled.size > 5000) codeownersCompiled.clear();
    codeownersCompiled.set(key, re);
  }
  return re;
}

/** The matching rules, last match first (Sentry: the last matching rule wins), and their owners in that order. */
export function findOwners(rules: OwnershipRule[], ev: OwnershipEvent): { rules: OwnershipRule[]; owners: Owner[] } {
  const matched = rules.filter((r) => ruleMatches(r, ev)).reverse();
  const seen = new Set<string>();
  const owners: Owner[] = [];
  for (const r of matched) {
    for (const o of r.owners) {
      const key = o.type === 'user' ? `u:${o.email}` : `t:${o.slug}`;
      if (!seen.has(key)) owners.push(o) && seen.add(key);
    }
  }
  return { rules: matched, owners };
}
