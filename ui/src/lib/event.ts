// Reads an API event's entries into display models: exception chain, frames with source
// context, breadcrumbs, request. Accepts Sentry's camelCase API shape and raw snake_case. Pure.
import type { ApiEvent } from './types.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export interface ContextLine {
  lineNo: number;
  text: string;
  current: boolean;
}

export interface FrameView {
  key: string;
  filename: string;
  function: string | null;
  module: string | null;
  lineNo: number | null;
  colNo: number | null;
  inApp: boolean;
  context: ContextLine[];
  vars: Obj | null;
  /** Symbolication notes (original location, resolution errors) the pipeline left on the frame. */
  notes: string[];
}

export interface ExceptionView {
  type: string;
  value: string;
  mechanism: string | null;
  handled: boolean | null;
  /** Most recent call first. */
  frames: FrameView[];
}

export function entry(event: Pick<ApiEvent, 'entries'>, type: string): Obj | null {
  const e = event.entries.find((x) => x.type === type);
  return e && isObj(e.data) ? e.data : null;
}

function contextLines(f: Obj, lineNo: number | null): ContextLine[] {
  if (Array.isArray(f.context)) {
    return f.context
      .filter((c): c is [number, string] => Array.isArray(c) && typeof c[0] === 'number')
      .map(([n, text]) => ({ lineNo: n, text: String(text ?? ''), current: n === lineNo }));
  }
  const line = str(f.context_line);
  if (line === null || lineNo === null) return [];
  const pre = Array.isArray(f.pre_context) ? f.pre_context.map(String) : [];
  const post = Array.isArray(f.post_context) ? f.post_context.map(String) : [];
  return [
    ...pre.map((text, i) => ({ lineNo: lineNo - pre.length + i, text, current: false })),
    { lineNo, text: line, current: true },
    ...post.map((text, i) => ({ lineNo: lineNo + 1 + i, text, current: false })),
  ];
}

function frameNotes(f: Obj): string[] {
  const data = isObj(f.data) ? f.data : {};
  const map = str(data.sourcemap);
  const status = str(data.symbolicator_status);
  if (map)
    return [`symbolicated with ${map}${str(data.resolved_with) ? ` (found by ${str(data.resolved_with)})` : ''}`];
  if (status && status !== 'symbolicated') return [`not symbolicated: ${status}`];
  return [];
}

/** Event-level processing notes (symbolication failures and the like), one line each. */
export function processingNotes(event: { errors?: unknown[] }): string[] {
  return (event.errors ?? [])
    .filter(isObj)
    .map((e) =>
      [str(e.type) ?? 'error', str(e.url) ?? str(e.name) ?? '', str(e.debug_id) ? `debug id ${str(e.debug_id)}` : '']
        .filter(Boolean)
        .join(' · '),
    );
}

export function toFrame(f: Obj, i: number): FrameView {
  const lineNo = num(f.lineNo) ?? num(f.lineno);
  return {
    key: String(i),
    filename: str(f.filename) ?? str(f.absPath) ?? str(f.abs_path) ?? str(f.module) ?? '<unknown>',
    function: str(f.function),
    module: str(f.module),
    lineNo,
    colNo: num(f.colNo) ?? num(f.colno),
    inApp: f.inApp === true || f.in_app === true,
    context: contextLines(f, lineNo),
    vars: isObj(f.vars) ? f.vars : null,
    notes: frameNotes(f),
  };
}

/** The exception chain, outermost (the one raised last) first; frames most recent first. */
export function exceptionChain(event: Pick<ApiEvent, 'entries'>): ExceptionView[] {
  const data = entry(event, 'exception');
  const values = data && Array.isArray(data.values) ? data.values.filter(isObj) : [];
  return values
    .map((v) => {
      const st = isObj(v.stacktrace) ? v.stacktrace : null;
      const frames = st && Array.isArray(st.frames) ? st.frames.filter(isObj).map(toFrame) : [];
      const mech = isObj(v.mechanism) ? v.mechanism : null;
      return {
        type: str(v.type) ?? 'Error',
        value: str(v.value) ?? '',
        mechanism: mech ? str(mech.type) : null,
        handled: mech && typeof mech.handled === 'boolean' ? mech.handled : null,
        frames: frames.reverse(),
      };
    })
    .reverse();
}

export interface FrameGroup {
  inApp: boolean;
  frames: FrameView[];
}

/** Consecutive runs of in-app / library frames, so library runs can collapse. If nothing is
 * in-app, everything counts as in-app (otherwise the whole trace would be hidden). */
export function groupFrames(frames: FrameView[]): FrameGroup[] {
  const anyInApp = frames.some((f) => f.inApp);
  const groups: FrameGroup[] = [];
  for (const f of frames) {
    const inApp = anyInApp ? f.inApp : true;
    const last = groups[groups.length - 1];
    if (last && last.inApp === inApp) last.frames.push(f);
    else groups.push({ inApp, frames: [f] });
  }
  return groups;
}

export interface BreadcrumbView {
  key: string;
  timestamp: number | null;
  type: string;
  category: string;
  level: string;
  message: string;
  data: Obj | null;
}

function toMs(t: unknown): number | null {
  if (typeof t === 'number') return t < 1e11 ? t * 1000 : t; // seconds (SDKs) or ms
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

/** Breadcrumbs oldest first, as recorded. */
export function breadcrumbs(event: Pick<ApiEvent, 'entries'>): BreadcrumbView[] {
  const data = entry(event, 'breadcrumbs');
  const values = data && Array.isArray(data.values) ? data.values.filter(isObj) : [];
  return values.map((b, i) => ({
    key: String(i),
    timestamp: toMs(b.timestamp),
    type: str(b.type) ?? 'default',
    category: str(b.category) ?? '',
    level: str(b.level) ?? 'info',
    message: str(b.message) ?? '',
    data: isObj(b.data) ? b.data : null,
  }));
}

/** [key, value] rows from Sentry's pair lists ([[k, v]]) or plain objects. */
export function pairs(v: unknown): Array<[string, unknown]> {
  if (Array.isArray(v))
    return v
      .filter((p): p is [string, unknown] => Array.isArray(p) && typeof p[0] === 'string')
      .map(([k, x]) => [k, x]);
  if (isObj(v)) return Object.entries(v);
  return [];
}

/** The event's message, if it has one (message entry or logentry). */
export function eventMessage(event: Pick<ApiEvent, 'entries' | 'message'>): string {
  const m = entry(event, 'message');
  return (m && (str(m.formatted) ?? str(m.message))) || event.message || '';
}
