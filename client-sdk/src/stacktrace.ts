// Turns an `error.stack` string into Sentry stack frames (oldest first) with `in_app` and, in
// Node, a Sentry-style `module` ("lib:checkout" for <appRoot>/lib/checkout.js, "pkg.sub:file"
// inside node_modules). Parsing itself is stacktrace-parser's; this file only normalizes.

import { parse } from 'stacktrace-parser';
import type { StackFrame } from './types.js';

/** Frames kept per stack, nearest the throw site (Sentry keeps 50 too). */
export const MAX_STACK_FRAMES = 50;

export interface StackOptions {
  /** Node: file URLs become paths and frames get a `module`. */
  isNode: boolean;
  /** Root the `module` names are relative to (Node); default: no root, basename only. */
  appRoot?: string;
}

const UNKNOWN_FUNCTIONS = new Set(['<unknown>', '<anonymous>', '']);

/** Frames of `stack`, oldest first, crashing frame last. Never throws. */
export function parseStackFrames(stack: string, options: StackOptions): StackFrame[] {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(stack);
  } catch {
    return [];
  }
  const frames: StackFrame[] = [];
  for (const p of parsed.slice(0, MAX_STACK_FRAMES)) {
    const filename = p.file ? normalizeFilename(p.file, options.isNode) : undefined;
    const fn = p.methodName.replace(/^async /, '');
    const frame: StackFrame = {
      ...(filename ? { filename } : {}),
      function: UNKNOWN_FUNCTIONS.has(fn) ? '?' : fn,
      ...(p.lineNumber !== null ? { lineno: p.lineNumber } : {}),
      ...(p.column !== null ? { colno: p.column } : {}),
      in_app: isInApp(filename),
    };
    if (options.isNode && filename) {
      const module = moduleFromFilename(filename, options.appRoot);
      if (module) frame.module = module;
    }
    frames.push(frame);
  }
  return frames.reverse();
}

/** Node stacks of ES modules carry file:// URLs; Sentry reports plain paths. */
function normalizeFilename(file: string, isNode: boolean): string {
  if (!isNode || !file.startsWith('file://')) return file;
  try {
    const path = decodeURIComponent(new URL(file).pathname);
    // file:///C:/x → C:/x on Windows
    return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
  } catch {
    return file.slice('file://'.length);
  }
}

/** Dependencies, Node internals and native frames are not the application's code. */
export function isInApp(filename: string | undefined): boolean {
  if (!filename) return false;
  if (/[\\/]node_modules[\\/]/.test(filename)) return false;
  if (filename.startsWith('node:') || filename.startsWith('internal/')) return false;
  if (filename === '<anonymous>' || filename === 'native' || filename === '[native code]') return false;
  return true;
}

const SOURCE_EXTENSION = /\.(?:[cm]?js|[cm]?ts|jsx|tsx)$/;

/**
 * Sentry's Node module name: directory relative to the app root (or to the innermost
 * node_modules) with "/" → ".", then ":" and the file name without extension;
 * just the file name for anything else ("node:internal/timers" → "timers").
 */
export function moduleFromFilename(filename: string, appRoot?: string): string | undefined {
  const path = filename.replace(/\\/g, '/').replace(/^[A-Za-z]:/, '');
  const slash = path.lastIndexOf('/');
  const dir = slash >= 0 ? path.slice(0, slash) : '';
  let base = path.slice(slash + 1).replace(SOURCE_EXTENSION, '');
  try {
    base = decodeURIComponent(base);
  } catch {
    // keep the raw name
  }
  if (!base) return undefined;
  const marker = '/node_modules/';
  const nm = `${dir}/`.lastIndexOf(marker);
  if (nm >= 0) return qualified(dir.slice(nm + marker.length), base);
  const root = appRoot
    ?.replace(/\\/g, '/')
    .replace(/^[A-Za-z]:/, '')
    .replace(/\/+$/, '');
  if (root && (dir === root || dir.startsWith(`${root}/`))) return qualified(dir.slice(root.length + 1), base);
  return base;
}

function qualified(dir: string, base: string): string {
  return dir ? `${dir.replace(/\//g, '.')}:${base}` : base;
}
