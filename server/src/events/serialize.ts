// Stored events (the normalized Sentry payload) in the shape of Sentry's event details API
// (pure): interfaces become `entries` (exception, stacktrace, threads, message, breadcrumbs,
// request, template, debugmeta) with Sentry's camelCase frame fields and [lineNo, line]
// context; tags as [{key, value}]: the ones the event was counted under (events/tags.ts).
import type { ApiEvent, ApiEventEntry, ApiEventSummary, ApiRelease } from '../api/types.js';
import type { EventRow } from './read-queries.js';
import { eventTags as derivedTags } from './tags.js';

type Obj = Record<string, unknown>;

export interface EventSerializeContext {
  /** The issue's grouping hashes, when the payload does not carry its own. */
  hashes: string[];
  release: ApiRelease | null;
  previousEventID: string | null;
  nextEventID: string | null;
}

export function serializeEvent(row: EventRow, c: EventSerializeContext): ApiEvent {
  const p = row.payload;
  const sdk = obj(p.sdk);
  return {
    ...summaryFields(row),
    type: eventType(p),
    culprit: str(p.culprit) ?? str(p.transaction) ?? '',
    location: str(p.transaction) ?? null,
    entries: entries(p),
    contexts: obj(p.contexts) ?? {},
    sdk: sdk && str(sdk.name) ? { name: str(sdk.name)!, version: str(sdk.version) ?? '' } : null,
    release: c.release,
    dist: str(p.dist) ?? null,
    environment: row.environment,
    fingerprints: strings(p.hashes) ?? c.hashes,
    groupingConfig: obj(p.grouping_config) ?? null,
    metadata: obj(p.metadata) ?? deriveMetadata(p),
    packages: (obj(p.modules) as Record<string, string> | null) ?? {},
    context: obj(p.extra) ?? {},
    errors: Array.isArray(p.errors) ? p.errors : [],
    size: null,
    previousEventID: c.previousEventID,
    nextEventID: c.nextEventID,
    crashFile: null,
    userReport: null,
    occurrence: null,
    _meta: obj(p._meta) ?? {},
  };
}

/** A row of an events list (Sentry's simple event serializer). */
export function serializeEventSummary(row: EventRow): ApiEventSummary {
  return { ...summaryFields(row), 'event.type': eventType(row.payload) };
}

function summaryFields(row: EventRow) {
  const p = row.payload;
  return {
    id: row.eventId,
    eventID: row.eventId,
    groupID: row.issueId,
    projectID: row.projectId,
    title: row.title,
    message: eventMessage(p),
    platform: str(p.platform) ?? 'other',
    dateCreated: row.timestamp.toISOString(),
    dateReceived: row.receivedAt.toISOString(),
    tags: eventTags(row),
    user: userOf(p),
  };
}

function eventType(p: Obj): string {
  return str(p.type) ?? (valuesOf(p.exception).length > 0 ? 'error' : 'default');
}

function eventMessage(p: Obj): string {
  const log = obj(p.logentry);
  return str(log?.formatted) ?? str(log?.message) ?? str(p.message) ?? '';
}

function userOf(p: Obj): Obj | null {
  const u = obj(p.user);
  return u && Object.keys(u).length > 0 ? u : null;
}

function entries(p: Obj): ApiEventEntry[] {
  const out: ApiEventEntry[] = [];
  const exceptions = valuesOf(p.exception);
  if (exceptions.length > 0) out.push({ type: 'exception', data: exceptionData(exceptions) });
  else if (obj(p.stacktrace)) out.push({ type: 'stacktrace', data: stacktrace(obj(p.stacktrace)!) });
  const threads = valuesOf(p.threads);
  if (threads.length > 0) out.push({ type: 'threads', data: { values: threads.map(thread) } });
  const log = obj(p.logentry) ?? (str(p.message) ? { formatted: str(p.message) } : null);
  if (log)
    out.push({
      type: 'message',
      data: {
        formatted: str(log.formatted) ?? str(log.message) ?? '',
        message: str(log.message) ?? null,
        params: log.params ?? null,
      },
    });
  const crumbs = valuesOf(p.breadcrumbs);
  if (crumbs.length > 0) out.push({ type: 'breadcrumbs', data: { values: crumbs.map(breadcrumb) } });
  if (obj(p.request)) out.push({ type: 'request', data: request(obj(p.request)!) });
  if (obj(p.template)) out.push({ type: 'template', data: obj(p.template)! });
  const debug = obj(p.debug_meta);
  if (debug)
    out.push({
      type: 'debugmeta',
      data: { images: Array.isArray(debug.images) ? debug.images : [], sdk_info: debug.sdk_info ?? null },
    });
  return out;
}

function exceptionData(values: Obj[]): Obj {
  const serialized = values.map((e) => ({
    type: str(e.type) ?? null,
    value: str(e.value) ?? null,
    module: str(e.module) ?? null,
    mechanism: obj(e.mechanism) ?? null,
    threadId: e.thread_id ?? null,
    stacktrace: obj(e.stacktrace) ? stacktrace(obj(e.stacktrace)!) : null,
    rawStacktrace: obj(e.raw_stacktrace) ? stacktrace(obj(e.raw_stacktrace)!) : null,
  }));
  return {
    values: serialized,
    hasSystemFrames: serialized.some((e) => e.stacktrace?.hasSystemFrames === true),
    excOmitted: null,
  };
}

function stacktrace(st: Obj): { frames: Obj[]; framesOmitted: unknown; registers: unknown; hasSystemFrames: boolean } {
  const frames = (Array.isArray(st.frames) ? st.frames : []).map((f) => frame(obj(f) ?? {}));
  const inApp = frames.filter((f) => f.inApp === true).length;
  return {
    frames,
    framesOmitted: st.frames_omitted ?? null,
    registers: st.registers ?? null,
    hasSystemFrames: inApp > 0 && inApp < frames.length,
  };
}

function frame(f: Obj): Obj {
  const out: Obj = {
    filename: str(f.filename) ?? null,
    absPath: str(f.abs_path) ?? null,
    module: str(f.module) ?? null,
    package: str(f.package) ?? null,
    platform: str(f.platform) ?? null,
    instructionAddr: str(f.instruction_addr) ?? null,
    symbolAddr: str(f.symbol_addr) ?? null,
    function: str(f.function) ?? null,
    rawFunction: str(f.raw_function) ?? null,
    symbol: str(f.symbol) ?? null,
    context: contextLines(f),
    lineNo: num(f.lineno) ?? null,
    colNo: num(f.colno) ?? null,
    inApp: f.in_app === true,
    trust: str(f.trust) ?? null,
    errors: null,
    lock: null,
    sourceLink: str(f.source_link) ?? null,
    vars: obj(f.vars) ?? null,
  };
  if (obj(f.data)) out.data = f.data;
  return out;
}

/** Sentry's frame context: [[lineNo, line], …] from pre_context, context_line, post_context. */
export function contextLines(f: Obj): Array<[number, string]> {
  const line = num(f.lineno);
  const current = str(f.context_line);
  if (line === undefined || current === undefined) return [];
  const pre = strings(f.pre_context) ?? [];
  const post = strings(f.post_context) ?? [];
  return [
    ...pre.map((l, i): [number, string] => [line - pre.length + i, l]),
    [line, current],
    ...post.map((l, i): [number, string] => [line + 1 + i, l]),
  ];
}

function thread(t: Obj): Obj {
  return {
    id: t.id ?? null,
    name: str(t.name) ?? null,
    crashed: t.crashed === true,
    current: t.current === true,
    main: t.main ?? null,
    state: t.state ?? null,
    heldLocks: t.held_locks ?? null,
    stacktrace: obj(t.stacktrace) ? stacktrace(obj(t.stacktrace)!) : null,
    rawStacktrace: null,
  };
}

function breadcrumb(c: Obj): Obj {
  return {
    type: str(c.type) ?? 'default',
    category: str(c.category) ?? null,
    level: str(c.level) ?? 'info',
    message: str(c.message) ?? null,
    data: obj(c.data) ?? null,
    timestamp: isoTime(c.timestamp),
    event_id: str(c.event_id) ?? null,
  };
}

function request(r: Obj): Obj {
  const headers = pairs(r.headers).map(([k, v]): [string, string] => [titleCase(k), v]);
  const contentType = headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? null;
  return {
    url: str(r.url) ?? null,
    method: str(r.method) ?? null,
    data: r.data ?? null,
    query: typeof r.query_string === 'string' ? queryPairs(r.query_string) : pairs(r.query_string),
    fragment: str(r.fragment) ?? null,
    cookies: typeof r.cookies === 'string' ? cookiePairs(r.cookies) : pairs(r.cookies),
    headers,
    env: obj(r.env) ?? null,
    inferredContentType: contentType,
    apiTarget: null,
  };
}

/**
 * The event's tags as shown: exactly the ones it was counted under (events/tags.ts, derived from
 * the stored payload; row columns stand in for payload fields it lacks), sorted by key.
 */
export function eventTags(
  row: Pick<EventRow, 'level' | 'release' | 'environment' | 'serverName' | 'payload'>,
): Array<{ key: string; value: string }> {
  const source = {
    level: row.level,
    release: row.release ?? undefined,
    environment: row.environment ?? undefined,
    server_name: row.serverName ?? undefined,
    ...row.payload,
  };
  return derivedTags(source)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, value }));
}

function deriveMetadata(p: Obj): Obj {
  const last = obj(valuesOf(p.exception).at(-1));
  if (last) return { type: str(last.type) ?? 'Error', value: str(last.value) ?? '' };
  return { title: eventMessage(p) };
}

// --- small readers for untyped JSON -------------------------------------------------------

function obj(v: unknown): Obj | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** `{values: [...]}` or a bare array (both occur in the protocol), as objects. */
function valuesOf(v: unknown): Obj[] {
  const list = Array.isArray(v) ? v : obj(v)?.values;
  return Array.isArray(list) ? list.map(obj).filter((x): x is Obj => x !== null) : [];
}

/** Object or [k, v] pairs → [k, v] string pairs (non-string values stringified). */
function pairs(v: unknown): Array<[string, string]> {
  const entries = Array.isArray(v) ? v : obj(v) ? Object.entries(obj(v)!) : [];
  const out: Array<[string, string]> = [];
  for (const e of entries) {
    if (!Array.isArray(e) || typeof e[0] !== 'string') continue;
    const value = e[1];
    out.push([
      e[0],
      typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value),
    ]);
  }
  return out;
}

function queryPairs(q: string): Array<[string, string]> {
  return [...new URLSearchParams(q.replace(/^\?/, ''))];
}

function cookiePairs(c: string): Array<[string, string]> {
  return c
    .split(/;\s*/)
    .filter(Boolean)
    .map((part): [string, string] => {
      const i = part.indexOf('=');
      return i < 0 ? [part, ''] : [part.slice(0, i), part.slice(i + 1)];
    });
}

function titleCase(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => `${sep}${c.toUpperCase()}`);
}

function isoTime(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v * 1000).toISOString();
  if (typeof v === 'string') {
    const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return null;
}
