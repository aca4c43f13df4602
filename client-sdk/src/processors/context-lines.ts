// Adds source context (5 lines before/after plus the line itself) to Node frames, read from
// disk synchronously through a small LRU cache. Sentry's ContextLines integration does the same.

import type { StackFrame } from '../types.js';

export const CONTEXT_LINES = 5;
/** Longer lines mean minified code: no context for such a frame. */
export const MAX_CONTEXT_LINE_LENGTH = 1000;
const CACHE_FILES = 20;

export interface ContextLines {
  /** Sets pre_context/context_line/post_context on frames whose file can be read. */
  addContextLines(frames: StackFrame[]): void;
}

/** `readFile` returns a file's text or null (missing, too large, not allowed). */
export function createContextLines(readFile: (path: string) => string | null): ContextLines {
  // Map insertion order makes this an LRU: hits are re-inserted, the oldest key is evicted.
  const cache = new Map<string, string[] | null>();

  function linesOf(path: string): string[] | null {
    const hit = cache.get(path);
    if (hit !== undefined) {
      cache.delete(path);
      cache.set(path, hit);
      return hit;
    }
    const text = readFile(path);
    const lines = text === null ? null : text.split(/\r?\n/);
    cache.set(path, lines);
    if (cache.size > CACHE_FILES) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    return lines;
  }

  return {
    addContextLines(frames) {
      for (const frame of frames) {
        try {
          if (!frame.filename || !frame.lineno || !isLocalPath(frame.filename)) continue;
          const lines = linesOf(frame.filename);
          if (lines) addContext(frame, lines, frame.lineno - 1);
        } catch {
          // context is a nice-to-have
        }
      }
    },
  };
}

function addContext(frame: StackFrame, lines: string[], index: number): void {
  const line = lines[index];
  if (line === undefined) return;
  const pre = lines.slice(Math.max(0, index - CONTEXT_LINES), index);
  const post = lines.slice(index + 1, index + 1 + CONTEXT_LINES);
  if ([line, ...pre, ...post].some((l) => l.length > MAX_CONTEXT_LINE_LENGTH)) return;
  frame.pre_context = pre;
  frame.context_line = line;
  frame.post_context = post;
}

function isLocalPath(filename: string): boolean {
  return filename.startsWith('/') || /^[A-Za-z]:[\\/]/.test(filename);
}
