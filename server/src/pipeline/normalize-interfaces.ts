// Structured "interfaces" for the normalize stage: exception, stacktrace, threads, breadcrumbs,
// user, request and contexts, each accepted in every shape SDKs send (bare arrays or {values},
// pairs or objects) and returned in the one shape NormalizedEvent declares. Pure.
import type {
  Breadcrumb,
  EventUser,
  ExceptionValue,
  Frame,
  NormalizedEvent,
  Stacktrace,
} from '../shared/protocol/event.js';
import { addMetaError, primitiveText, type EventMeta } from './normalize-meta.js';
import { isRecord, normalizeLevel, parseTimestamp, truncateChars } from '../shared/normalize-values.js';

/** Relay's `max_chars` for exception values (and log messages): longer text is cut before any scan. */
export const MAX_EXCEPTION_VALUE_CHARS = 8192;
/** Relay's limit for exception types. */
export const MAX_EXCEPTION_TYPE_CHARS = 256;

/** Items of a Sentry "values" container: a bare array, {values: [...]}, or one object. */
export function valuesOf(value: unknown): Record<string, unknown>[] {
  const list = Array.isArray(value)
    ? value
    : isRecord(value)
      ? Array.isArray(value.values)
        ? value.values
        : 'values' in value
          ? []
          : [value]
      : [];
  return list.filter(isRecord);
}

function toInt(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.trunc(n) : undefined;
}

/** Relay's `max_chars` for a frame's paths and symbols: globs and scans only ever see this much. */
export const MAX_FRAME_FIELD_CHARS = 256;
/** Most frames kept per stack trace (Sentry's hard limit); the oldest beyond it are dropped. */
export const MAX_FRAMES = 250;

function normalizeFrame(raw: Record<string, unknown>): Frame {
  const frame: Frame = { ...raw };
  for (const key of ['lineno', 'colno'] as const) {
    const n = toInt(raw[key]);
    if (n === undefined) delete frame[key];
    else frame[key] = n;
  }
  if (typeof raw.in_app !== 'boolean') delete frame.in_app;
  for (const key of [
    'filename',
    'abs_path',
    'function',
    'raw_function',
    'module',
    'package',
    'context_line',
  ] as const) {
    const v = raw[key];
    if (typeof v !== 'string') delete frame[key];
    else if (key !== 'context_line') frame[key] = truncateChars(v, MAX_FRAME_FIELD_CHARS);
  }
  for (const key of ['pre_context', 'post_context'] as const) {
    const lines = raw[key];
    if (Array.isArray(lines)) frame[key] = lines.map((l) => (typeof l === 'string' ? l : ''));
    else delete frame[key];
  }
  if (!isRecord(raw.vars)) delete frame.vars;
  if (frame.filename === undefined && frame.abs_path) frame.filename = filenameOf(frame.abs_path);
  return frame;
}

/**
 * Relay fills a frame's missing `filename` from `abs_path` (the Go SDK sends only the latter):
 * the path of a URL, else the path itself.
 */
export function filenameOf(absPath: string): string {
  if (/^https?:\/\//i.test(absPath)) {
    try {
      const path = new URL(absPath).pathname;
      if (path && path !== '/') return decodeURI(path);
    } catch {
      // not a parseable URL: keep it whole (below)
    }
  }
  return absPath;
}

/** Frames oldest first as sent; undefined when there are none. */
export function normalizeStacktrace(value: unknown): Stacktrace | undefined {
  if (!isRecord(value) || !Array.isArray(value.frames)) return undefined;
  const all = value.frames.filter(isRecord);
  // Oldest first: the frames nearest the crash are at the end, and those are kept.
  const frames = (all.length > MAX_FRAMES ? all.slice(all.length - MAX_FRAMES) : all).map(normalizeFrame);
  return frames.length > 0 ? { ...value, frames } : undefined;
}

// Relay splits "Type: value" when an exception came without a type.
const TYPE_VALUE_RE = /^(\w+):(.*)$/;

function normalizeExceptionValue(
  raw: Record<string, unknown>,
  index: number,
  meta: EventMeta | undefined,
): ExceptionValue | undefined {
  const exc: ExceptionValue = { ...raw };
  exc.type = typeof raw.type === 'string' && raw.type ? truncateChars(raw.type, MAX_EXCEPTION_TYPE_CHARS) : undefined;
  // Cut before the type split and before grouping parameterizes it (Relay trims in normalization).
  const value =
    raw.value === undefined || raw.value === null
      ? undefined
      : typeof raw.value === 'string'
        ? raw.value
        : JSON.stringify(raw.value);
  exc.value = value === undefined ? undefined : truncateChars(value, MAX_EXCEPTION_VALUE_CHARS);
  if (!exc.type && exc.value) {
    const m = TYPE_VALUE_RE.exec(exc.value);
    if (m) {
      exc.type = m[1];
      exc.value = m[2]!.trim();
    }
  }
  if (typeof raw.module !== 'string') delete exc.module;
  const stacktrace = normalizeStacktrace(raw.stacktrace);
  if (stacktrace) exc.stacktrace = stacktrace;
  else delete exc.stacktrace;
  if (isRecord(raw.mechanism))
    exc.mechanism = normalizeMechanism(raw.mechanism, ['exception', 'values', index, 'mechanism'], meta);
  else delete exc.mechanism;
  for (const key of ['type', 'value'] as const) if (exc[key] === undefined) delete exc[key];
  return exc.type || exc.value || exc.stacktrace ? exc : undefined;
}

const MECHANISM_FLAGS = ['handled', 'synthetic', 'is_exception_group'] as const;
const MECHANISM_IDS = ['exception_id', 'parent_id'] as const;
/** mechanism.meta's known parts (Relay `MechanismMeta`) and the fields inside them that must be primitives. */
const MECHANISM_META_FIELDS: Record<string, readonly string[]> = {
  errno: ['number', 'name'],
  signal: ['number', 'code', 'name', 'code_name'],
  mach_exception: ['exception', 'code', 'subcode', 'name'],
  ns_error: ['code', 'domain'],
};

function normalizeMechanism(
  raw: Record<string, unknown>,
  path: Array<string | number>,
  meta: EventMeta | undefined,
): NonNullable<ExceptionValue['mechanism']> {
  const mech = { ...raw };
  if (typeof mech.type !== 'string' || !mech.type) mech.type = 'generic';
  for (const key of MECHANISM_FLAGS) if (mech[key] !== undefined && typeof mech[key] !== 'boolean') delete mech[key];
  for (const key of MECHANISM_IDS) if (mech[key] !== undefined && typeof mech[key] !== 'number') delete mech[key];
  for (const key of ['source', 'description', 'help_link'] as const)
    if (mech[key] !== undefined && typeof mech[key] !== 'string') delete mech[key];
  if (mech.meta !== undefined) {
    if (!isRecord(mech.meta)) {
      delete mech.meta;
      addMetaError(meta, [...path, 'meta'], 'expected an object');
    } else {
      const out: Record<string, unknown> = { ...mech.meta };
      for (const [part, fields] of Object.entries(MECHANISM_META_FIELDS)) {
        const v = out[part];
        if (v === undefined || v === null) continue;
        if (!isRecord(v)) {
          delete out[part];
          addMetaError(meta, [...path, 'meta', part], 'expected an object');
          continue;
        }
        const clean = { ...v };
        for (const f of fields) {
          if (clean[f] === undefined || clean[f] === null || primitiveText(clean[f]) !== undefined) continue;
          delete clean[f];
          addMetaError(meta, [...path, 'meta', part, f], 'expected a primitive value');
        }
        out[part] = clean;
      }
      mech.meta = out;
    }
  }
  return mech;
}

/** Exceptions, cause first and the raised one last (the order SDKs send). */
export function normalizeException(value: unknown, meta?: EventMeta): { values: ExceptionValue[] } | undefined {
  const values = valuesOf(value)
    .map((raw, i) => normalizeExceptionValue(raw, i, meta))
    .filter((e): e is ExceptionValue => e !== undefined);
  return values.length > 0 ? { values } : undefined;
}

type Thread = NonNullable<NormalizedEvent['threads']>['values'][number];

export function normalizeThreads(value: unknown): { values: Thread[] } | undefined {
  const values = valuesOf(value).map((raw) => {
    const thread: Thread = { ...raw };
    const stacktrace = normalizeStacktrace(raw.stacktrace);
    if (stacktrace) thread.stacktrace = stacktrace;
    else delete thread.stacktrace;
    return thread;
  });
  return values.length > 0 ? { values } : undefined;
}

export function normalizeBreadcrumbs(value: unknown): { values: Breadcrumb[] } | undefined {
  const values = valuesOf(value).map((raw) => {
    const crumb: Breadcrumb = { ...raw };
    const ts = parseTimestamp(raw.timestamp);
    if (ts === undefined) delete crumb.timestamp;
    else crumb.timestamp = ts;
    if (raw.level !== undefined) crumb.level = normalizeLevel(raw.level, 'info');
    if (!isRecord(raw.data)) delete crumb.data;
    return crumb;
  });
  return values.length > 0 ? { values } : undefined;
}

const AUTO_IP = '{{auto}}';

/** How the client IP may be used: `auto` fills it in, `never` removes `{{auto}}`, legacy: see below. */
export type InferIp = 'auto' | 'never' | 'legacy';

// Without an infer_ip setting, Relay fills a missing user IP only for client-side platforms.
const LEGACY_INFER_PLATFORMS = new Set(['javascript', 'cocoa', 'objc']);

export function normalizeUser(
  value: unknown,
  opts: { clientIp?: string; inferIp: InferIp; platform: string },
): EventUser | undefined {
  const user: EventUser = isRecord(value) ? { ...value } : {};
  for (const key of ['id', 'username', 'email'] as const) {
    const v = user[key];
    if (typeof v === 'number') user[key] = String(v);
    else if (typeof v !== 'string' || v === '') delete user[key];
  }
  const ip = user.ip_address;
  const wantsAuto =
    ip === AUTO_IP ||
    (ip === undefined &&
      (opts.inferIp === 'auto' || (opts.inferIp === 'legacy' && LEGACY_INFER_PLATFORMS.has(opts.platform))));
  if (wantsAuto && opts.clientIp && opts.inferIp !== 'never') user.ip_address = opts.clientIp;
  else if (typeof ip !== 'string' || ip === AUTO_IP) delete user.ip_address;
  return Object.keys(user).length > 0 ? user : undefined;
}

/**
 * [name, value] pairs from pairs or an object. Values must be strings (numbers and booleans are
 * converted, a list of them joined with `,`); anything else is removed and recorded in `_meta`.
 */
function pairsOf(value: unknown, path: Array<string | number>, meta: EventMeta | undefined): Array<[string, string]> {
  const entries: Array<[unknown, unknown]> = Array.isArray(value)
    ? value.filter((p): p is unknown[] => Array.isArray(p) && p.length === 2).map((p) => [p[0], p[1]])
    : isRecord(value)
      ? Object.entries(value)
      : [];
  const out: Array<[string, string]> = [];
  for (const [k, v] of entries) {
    if (typeof k !== 'string' || v === null || v === undefined) continue;
    const text = Array.isArray(v) ? joinPrimitives(v) : primitiveText(v);
    if (text === undefined) addMetaError(meta, [...path, k], 'expected a string');
    else out.push([k, text]);
  }
  return out;
}

function joinPrimitives(list: unknown[]): string | undefined {
  const parts = list.map(primitiveText);
  return parts.every((p) => p !== undefined) ? parts.join(',') : undefined;
}

function parseCookies(header: string): Array<[string, string]> {
  return header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.includes('='))
    .map((part) => {
      const i = part.indexOf('=');
      return [part.slice(0, i).trim(), part.slice(i + 1).trim()] as [string, string];
    });
}

function parseQuery(value: unknown, meta: EventMeta | undefined): Array<[string, string]> {
  if (typeof value === 'string') return [...new URLSearchParams(value.replace(/^\?/, ''))];
  return pairsOf(value, ['request', 'query_string'], meta);
}

/** request with headers, cookies and query_string as [name, value] pairs. */
export function normalizeRequest(
  value: unknown,
  clientIp: string | undefined,
  meta?: EventMeta,
): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const req: Record<string, unknown> = { ...value };
  if (typeof req.method === 'string') req.method = req.method.toUpperCase();
  else delete req.method;
  if (typeof req.url === 'string') {
    const [beforeHash, fragment] = splitOnce(req.url, '#');
    const [base, query] = splitOnce(beforeHash, '?');
    req.url = base;
    if (query !== undefined && req.query_string === undefined) req.query_string = query;
    if (fragment !== undefined && req.fragment === undefined) req.fragment = fragment;
  } else delete req.url;
  let headers = pairsOf(value.headers, ['request', 'headers'], meta);
  if (value.cookies === undefined || value.cookies === null) {
    const cookieHeader = headers.find(([k]) => k.toLowerCase() === 'cookie');
    if (cookieHeader) {
      req.cookies = parseCookies(cookieHeader[1]);
      headers = headers.filter(([k]) => k.toLowerCase() !== 'cookie');
    } else delete req.cookies;
  } else
    req.cookies =
      typeof value.cookies === 'string'
        ? parseCookies(value.cookies)
        : pairsOf(value.cookies, ['request', 'cookies'], meta);
  if (value.headers !== undefined) req.headers = headers;
  if (req.query_string !== undefined && req.query_string !== null)
    req.query_string = parseQuery(req.query_string, meta);
  else delete req.query_string;
  if (isRecord(value.env)) {
    const env = { ...value.env };
    if (env.REMOTE_ADDR === AUTO_IP) {
      if (clientIp) env.REMOTE_ADDR = clientIp;
      else delete env.REMOTE_ADDR;
    }
    req.env = env;
  }
  return req;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** Named contexts; non-object entries dropped, `type` defaults to the key (Relay). */
export function normalizeContexts(value: unknown): Record<string, Record<string, unknown>> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, ctx] of Object.entries(value)) {
    if (!isRecord(ctx)) continue;
    out[key] = typeof ctx.type === 'string' ? ctx : { ...ctx, type: key };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
