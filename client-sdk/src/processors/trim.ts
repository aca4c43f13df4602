// Shrinks an event until it fits (a UDP datagram), cheapest loss first: breadcrumbs, then
// context lines, then the middle of long stacks, then long strings. Returns null when even the
// smallest form does not fit; the caller drops the event (reason send_error).

import type { Event, StackFrame } from '../types.js';

/** Frames kept at each end of a long stack (outermost callers and the throw site). */
export const KEEP_EDGE_FRAMES = 10;
const STRING_LIMITS = [1024, 256];

type TrimStep = (event: Event) => void;

const TRIM_STEPS: TrimStep[] = [
  (e) => {
    delete e.breadcrumbs;
  },
  (e) =>
    eachFrame(e, (f) => {
      delete f.pre_context;
      delete f.post_context;
    }),
  (e) =>
    eachFrame(e, (f) => {
      delete f.context_line;
    }),
  dropMiddleFrames,
  ...STRING_LIMITS.map((limit) => (e: Event) => truncateStrings(e, limit)),
];

/** The event, or a trimmed copy, for which `fits` is true; null if no step makes it fit. */
export function trimEventToFit(event: Event, fits: (event: Event) => boolean): Event | null {
  if (fits(event)) return event;
  const copy = JSON.parse(JSON.stringify(event)) as Event;
  for (const step of TRIM_STEPS) {
    step(copy);
    if (fits(copy)) return copy;
  }
  return null;
}

function eachFrame(event: Event, fn: (frame: StackFrame) => void): void {
  for (const ex of event.exception?.values ?? []) for (const f of ex.stacktrace?.frames ?? []) fn(f);
}

function dropMiddleFrames(event: Event): void {
  for (const ex of event.exception?.values ?? []) {
    const st = ex.stacktrace;
    if (!st || st.frames.length <= 2 * KEEP_EDGE_FRAMES) continue;
    const end = st.frames.length - KEEP_EDGE_FRAMES;
    // frames_omitted is the protocol's [start, end) marker for removed frames
    st.frames_omitted = [KEEP_EDGE_FRAMES, end];
    st.frames = [...st.frames.slice(0, KEEP_EDGE_FRAMES), ...st.frames.slice(end)];
  }
}

function truncateStrings(event: Event, limit: number): void {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return value.length > limit ? `${value.slice(0, limit - 1)}…` : value;
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      for (const key of Object.keys(obj)) obj[key] = walk(obj[key]);
    }
    return value;
  };
  walk(event);
}
