// Which fingerprint an event is grouped by (grouping.md §2, §9): a matching server-side rule
// (project rules, then built-in ones) replaces the SDK's `fingerprint`; `{{ default }}` stands for
// the computed default; other `{{ variables }}` are resolved from the event.
import type { Frame, NormalizedEvent, Stacktrace } from '../shared/protocol/event.js';
import { BUILTIN_FINGERPRINT_RULES } from './builtin-rules.js';
import type { GroupingContext } from './context.js';
import {
  findMatchingRule,
  parseFingerprintRules,
  type FingerprintData,
  type FingerprintRule,
  type Values,
} from './fingerprint-rules.js';
import { prepareStacktrace } from './frames.js';
import { behaviorFamily } from './javascript.js';

export const DEFAULT_FINGERPRINT = '{{ default }}';

export type FingerprintKind = 'default' | 'hybrid' | 'custom';

export interface ResolvedFingerprint {
  kind: FingerprintKind;
  /** Resolved entries; `{{ default }}` entries are kept as the marker. */
  values: string[];
  source: 'client' | 'server-rule' | 'built-in-rule';
  matchedRule?: string;
  title?: string;
}

const BUILTIN = ((): FingerprintRule[] => {
  const { rules, errors } = parseFingerprintRules(BUILTIN_FINGERPRINT_RULES, true);
  if (errors.length > 0) throw new Error(`invalid built-in fingerprint rules: ${errors.join('; ')}`);
  return rules;
})();
const PROJECT_CACHE = new Map<string, FingerprintRule[]>();

function projectRules(text: string | undefined): FingerprintRule[] {
  if (!text || text.trim() === '') return [];
  let rules = PROJECT_CACHE.get(text);
  if (!rules) {
    rules = parseFingerprintRules(text).rules;
    if (PROJECT_CACHE.size > 256) PROJECT_CACHE.clear();
    PROJECT_CACHE.set(text, rules);
  }
  return rules;
}

/** The variable name of a `{{ name }}` entry, or null for a literal. */
export function fingerprintVariable(entry: string): string | null {
  const m = /^\{\{\s*(\S+)\s*\}\}$/.exec(entry);
  return m ? m[1]! : null;
}

export function fingerprintKind(fingerprint: readonly string[]): FingerprintKind {
  const isDefault = (e: string): boolean => fingerprintVariable(e) === 'default';
  if (fingerprint.length === 0 || (fingerprint.length === 1 && isDefault(fingerprint[0]!))) return 'default';
  return fingerprint.some(isDefault) ? 'hybrid' : 'custom';
}

function allStacktraces(event: NormalizedEvent): Stacktrace[] {
  const out = (event.exception?.values ?? []).flatMap((e) => (e.stacktrace ? [e.stacktrace] : []));
  if (event.stacktrace) out.push(event.stacktrace);
  for (const t of event.threads?.values ?? []) if (t.stacktrace) out.push(t.stacktrace);
  return out;
}

/** Sentry's crash frame: the last in-app frame of the main stack trace, else its last frame. */
export function crashFrame(event: NormalizedEvent, filter: (f: Frame) => boolean = () => true): Frame | undefined {
  const values = event.exception?.values ?? [];
  let frames = values[values.length - 1]?.stacktrace?.frames;
  if (!frames?.length) frames = event.stacktrace?.frames;
  if (!frames?.length && event.threads?.values.length === 1) frames = event.threads.values[0]?.stacktrace?.frames;
  const candidates = [...(frames ?? [])].reverse().filter(filter);
  return candidates.find((f) => f.in_app) ?? candidates[0];
}

function tagValue(event: NormalizedEvent, name: string): string | undefined {
  const own = event.tags.find(([k]) => k === name)?.[1];
  if (own !== undefined) return own;
  // Tags Sentry derives from event attributes before grouping.
  const derived: Record<string, unknown> = {
    transaction: event.transaction,
    level: event.level,
    logger: event.logger,
    environment: event.environment,
    release: event.release,
    dist: event.dist,
    server_name: event.server_name,
  };
  const v = derived[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function fingerprintData(event: NormalizedEvent, ctx: GroupingContext): FingerprintData {
  const exceptions = (): Values[] =>
    (event.exception?.values ?? []).map((e) => ({ type: e.type, value: e.value?.trim() || undefined }));
  const frames = (): Values[] =>
    allStacktraces(event).flatMap((st) =>
      (prepareStacktrace(st, ctx, {})?.frames ?? []).map((f) => ({
        function: f.function || '<unknown>',
        abs_path: f.abs_path || f.filename,
        filename: f.filename,
        module: f.module,
        package: f.package,
        app: f.in_app,
      })),
    );
  const message = (event.logentry?.formatted || event.logentry?.message || '').trim();
  const tags: Values = {};
  for (const [k, v] of event.tags) tags[`tags.${k}`] = v.trim();
  for (const k of ['transaction', 'level', 'logger', 'environment', 'release', 'dist', 'server_name']) {
    if (tags[`tags.${k}`] === undefined) tags[`tags.${k}`] = tagValue(event, k);
  }
  const getters: Record<string, () => Values[]> = {
    toplevel: () => [...(message ? [{ message }] : []), ...exceptions()],
    exceptions,
    frames,
    log_info: () =>
      event.logger || event.level ? [{ logger: event.logger || undefined, level: event.level || undefined }] : [],
    tags: () => [tags],
    sdk: () => [{ sdk: event.sdk?.name || 'other' }],
    family: () => [{ family: behaviorFamily(event.platform) }],
    release: () => [{ release: event.release?.trim() || undefined }],
  };
  const cache = new Map<string, Values[]>();
  return {
    get(type) {
      let v = cache.get(type);
      if (!v) cache.set(type, (v = getters[type]?.() ?? []));
      return v;
    },
  };
}

/** A fingerprint variable's value; null when unknown and the config keeps unknown ones literal. */
export function resolveVariable(key: string, event: NormalizedEvent, legacyUnknown: boolean): string | null {
  const values = event.exception?.values ?? [];
  const last = values[values.length - 1];
  const frame = (): Frame | undefined => crashFrame(event);
  switch (key) {
    case 'transaction':
      return event.transaction || '<no-transaction>';
    case 'message':
      return event.logentry?.formatted || event.logentry?.message || last?.value || '<no-message>';
    case 'type':
    case 'error.type':
      return last?.type || '<no-type>';
    case 'value':
    case 'error.value':
      return last?.value || '<no-value>';
    case 'function':
    case 'stack.function':
      return frame()?.function || '<no-function>';
    case 'path':
    case 'stack.abs_path':
      return frame()?.abs_path || frame()?.filename || '<no-abs-path>';
    case 'stack.filename':
      return frame()?.filename || frame()?.abs_path || '<no-filename>';
    case 'module':
    case 'stack.module':
      return frame()?.module || '<no-module>';
    case 'package':
    case 'stack.package':
      return frame()?.package?.split('/').pop()?.split('\\').pop() || '<no-package>';
    case 'level':
      return event.level || '<no-level>';
    case 'logger':
      return event.logger || '<no-logger>';
  }
  if (key.startsWith('tags.')) return tagValue(event, key.slice(5)) ?? `<no-value-for-tag-${key.slice(5)}>`;
  return legacyUnknown ? null : `<unrecognized-variable-${key}>`;
}

function resolveValues(fingerprint: readonly string[], event: NormalizedEvent, ctx: GroupingContext): string[] {
  return fingerprint.map((entry) => {
    const key = fingerprintVariable(entry);
    if (key === null) return entry;
    if (key === 'default') return DEFAULT_FINGERPRINT;
    return resolveVariable(key, event, ctx.legacyUnknownVariables) ?? entry;
  });
}

function expandTitle(template: string, event: NormalizedEvent, ctx: GroupingContext): string {
  return template.replace(
    /\{\{\s*([^\s{}]+?)\s*\}\}/g,
    (whole, key: string) => resolveVariable(key, event, ctx.legacyUnknownVariables) ?? whole,
  );
}

export function resolveFingerprint(
  event: NormalizedEvent,
  ctx: GroupingContext,
  rulesText: string | undefined,
): ResolvedFingerprint {
  const rule = findMatchingRule([...projectRules(rulesText), ...BUILTIN], fingerprintData(event, ctx));
  // SDKs sometimes send numbers; Relay stringifies them.
  const client = (Array.isArray(event.fingerprint) ? (event.fingerprint as unknown[]) : []).flatMap((e) =>
    typeof e === 'string' ? [e] : typeof e === 'number' ? [String(e)] : [],
  );
  const raw = rule ? rule.fingerprint : client;
  const values = resolveValues(raw.length > 0 ? raw : [DEFAULT_FINGERPRINT], event, ctx);
  const out: ResolvedFingerprint = {
    kind: fingerprintKind(values),
    values,
    source: rule ? (rule.builtin ? 'built-in-rule' : 'server-rule') : 'client',
  };
  if (rule) out.matchedRule = rule.text;
  if (rule?.attributes.title) out.title = expandTitle(rule.attributes.title, event, ctx);
  return out;
}
