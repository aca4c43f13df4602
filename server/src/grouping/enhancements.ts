// Stack-trace rules ("enhancements", grouping.md §5): `matchers… actions` lines that mark frames
// in/out of app (+app/-app), in/out of grouping (+group/-group), with `^` (frames towards the crash)
// and `v` (frames towards main) ranges, plus category, max-frames, min-frames, invert-stacktrace.
import { globToRegExp } from './glob.js';
import type { Family } from './javascript.js';

export interface MatchFrame {
  family: Family;
  function?: string;
  module?: string;
  package?: string;
  /** abs_path or filename, lower-cased, forward slashes. */
  path?: string;
  category?: string;
  inApp: boolean;
}

export interface ExceptionData {
  type?: string;
  value?: string;
  mechanism?: string;
}

type FrameField = 'function' | 'module' | 'package' | 'path' | 'category';
type FrameTest =
  | { kind: 'field'; field: FrameField; re: RegExp }
  | { kind: 'family'; families: Family[] }
  | { kind: 'app'; expected: boolean };

interface FrameMatcher {
  negated: boolean;
  /** 0 = this frame, -1 = its caller (towards main), +1 = its callee (towards the crash). */
  offset: -1 | 0 | 1;
  test: FrameTest;
}

interface ExceptionMatcher {
  negated: boolean;
  field: keyof ExceptionData;
  re: RegExp;
}

export type Action =
  | { kind: 'flag'; flag: boolean; type: 'app' | 'group' | 'prefix' | 'sentinel'; range?: 'up' | 'down' }
  | { kind: 'var'; name: 'max-frames' | 'min-frames' | 'invert-stacktrace' | 'category'; value: string };

export interface EnhancementRule {
  text: string;
  frameMatchers: FrameMatcher[];
  exceptionMatchers: ExceptionMatcher[];
  actions: Action[];
}

const FIELD_KEYS: Record<string, FrameField> = {
  path: 'path',
  'stack.abs_path': 'path',
  module: 'module',
  'stack.module': 'module',
  function: 'function',
  'stack.function': 'function',
  package: 'package',
  'stack.package': 'package',
  category: 'category',
};
const EXCEPTION_KEYS: Record<string, keyof ExceptionData> = {
  type: 'type',
  'error.type': 'type',
  value: 'value',
  'error.value': 'value',
  mechanism: 'mechanism',
  'error.mechanism': 'mechanism',
};

function unquote(arg: string): string {
  return arg.startsWith('"') && arg.endsWith('"') && arg.length >= 2
    ? arg.slice(1, -1).replace(/\\(["\\])/g, '$1')
    : arg;
}

function parseMatcher(token: string, offset: -1 | 0 | 1): FrameMatcher | ExceptionMatcher {
  const m = /^(!?)([a-zA-Z0-9_.-]+):(.+)$/s.exec(token);
  if (!m) throw new Error(`invalid matcher "${token}"`);
  const negated = m[1] === '!';
  const key = m[2]!;
  const arg = unquote(m[3]!);
  const exceptionField = EXCEPTION_KEYS[key];
  if (exceptionField)
    return { negated, field: exceptionField, re: globToRegExp(arg, { pathLike: false, caseInsensitive: true }) };
  if (key === 'family') {
    const families = arg
      .split(',')
      .flatMap((f): Family[] =>
        f === 'all' ? ['javascript', 'native'] : f === 'javascript' || f === 'native' ? [f] : [],
      );
    return { negated, offset, test: { kind: 'family', families } };
  }
  if (key === 'app') {
    const v = arg.toLowerCase();
    if (!['1', 'true', 'yes', '0', 'false', 'no'].includes(v)) throw new Error(`invalid value for app: "${arg}"`);
    return { negated, offset, test: { kind: 'app', expected: ['1', 'true', 'yes'].includes(v) } };
  }
  const field = FIELD_KEYS[key];
  if (!field) throw new Error(`unknown matcher "${key}"`);
  const pathLike = field === 'path' || field === 'package';
  const re = globToRegExp(pathLike ? arg.replace(/\\/g, '/') : arg, { pathLike, caseInsensitive: true });
  return { negated, offset, test: { kind: 'field', field, re } };
}

function parseAction(token: string): Action {
  const flag = /^([\^v]?)([+-])(app|group|prefix|sentinel)$/.exec(token);
  if (flag) {
    const range = flag[1] === '^' ? 'up' : flag[1] === 'v' ? 'down' : undefined;
    return { kind: 'flag', flag: flag[2] === '+', type: flag[3] as 'app', ...(range ? { range } : {}) };
  }
  const v = /^(max-frames|min-frames|invert-stacktrace|category)=([a-zA-Z0-9_.-]+)$/.exec(token);
  if (v) return { kind: 'var', name: v[1] as 'category', value: v[2]! };
  throw new Error(`invalid action "${token}"`);
}

// Splits a rule line into tokens, keeping quoted arguments and `[`, `]`, `|` as their own tokens.
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\[|\]|\||(?:[^\s"[\]|]|"(?:[^"\\]|\\.)*")+)/y;
  let end = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) {
    tokens.push(m[1]!);
    end = re.lastIndex;
  }
  if (line.slice(end).trim() !== '') throw new Error(`cannot parse "${line}"`);
  return tokens;
}

function stripComment(line: string): string {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\') i++;
    else if (ch === '"') inQuote = !inQuote;
    else if (ch === '#' && !inQuote && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

export function parseRule(line: string): EnhancementRule {
  const tokens = tokenize(line);
  const rule: EnhancementRule = { text: line, frameMatchers: [], exceptionMatchers: [], actions: [] };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '[') {
      // `[ m ] |` before the frame matchers is the caller; `| [ m ]` after them is the callee.
      const isCallee = tokens[i - 1] === '|';
      const inner = parseMatcher(tokens[i + 1] ?? '', isCallee ? 1 : -1);
      if (tokens[i + 2] !== ']' || !('offset' in inner)) throw new Error(`invalid caller/callee matcher in "${line}"`);
      rule.frameMatchers.push(inner);
      i += isCallee ? 2 : 3;
      continue;
    }
    if (t === '|') continue;
    if (/^!?[a-zA-Z0-9_.-]+:/.test(t)) {
      const m = parseMatcher(t, 0);
      if ('offset' in m) rule.frameMatchers.push(m);
      else rule.exceptionMatchers.push(m);
    } else rule.actions.push(parseAction(t));
  }
  if (rule.actions.length === 0 || rule.frameMatchers.length + rule.exceptionMatchers.length === 0)
    throw new Error(`incomplete rule "${line}"`);
  return rule;
}

/** Parses rule text; invalid lines are reported and skipped (ingestion must not fail on them). */
export function parseEnhancements(text: string): { rules: EnhancementRule[]; errors: string[] } {
  const rules: EnhancementRule[] = [];
  const errors: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = stripComment(raw).trim();
    if (line === '') continue;
    try {
      rules.push(parseRule(line));
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { rules, errors };
}

function testFrame(test: FrameTest, frame: MatchFrame): boolean {
  if (test.kind === 'family') return test.families.includes(frame.family);
  if (test.kind === 'app') return frame.inApp === test.expected;
  const value = frame[test.field];
  if (value === undefined) return false;
  if (test.re.test(value)) return true;
  return (test.field === 'path' || test.field === 'package') && !value.startsWith('/') && test.re.test(`/${value}`);
}

export function matchesFrame(rule: EnhancementRule, frames: readonly MatchFrame[], idx: number): boolean {
  return rule.frameMatchers.every((m) => {
    const frame = frames[idx + m.offset];
    return frame !== undefined && m.negated !== testFrame(m.test, frame);
  });
}

export function matchesException(rule: EnhancementRule, exc: ExceptionData): boolean {
  return rule.exceptionMatchers.every((m) => m.negated !== m.re.test(exc[m.field] ?? '<unknown>'));
}

/** Index range an action with the given range applies to, relative to the matching frame. */
export function rangeOf(range: 'up' | 'down' | undefined, idx: number, length: number): [number, number] {
  if (range === 'up') return [idx + 1, length];
  if (range === 'down') return [0, idx];
  return [idx, idx + 1];
}
