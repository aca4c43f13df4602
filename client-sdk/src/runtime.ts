// What runtime we are in and the few Node facilities the SDK core needs, reached through
// process.getBuiltinModule so that no module here imports `node:*` (the browser build stays clean).

import type { Event } from './types.js';

type NodeProcess = typeof globalThis.process;

/** The Node `process` object, or undefined in a browser. */
export function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p && typeof p.versions?.node === 'string' ? p : undefined;
}

export function isNode(): boolean {
  return nodeProcess() !== undefined;
}

/** A Node built-in module loaded synchronously (Node ≥ 20.16), or undefined. */
export function nodeBuiltin(id: 'node:fs'): typeof import('node:fs') | undefined;
export function nodeBuiltin(id: 'node:os'): typeof import('node:os') | undefined;
export function nodeBuiltin(id: 'node:util'): typeof import('node:util') | undefined;
export function nodeBuiltin(id: string): unknown {
  try {
    const get = nodeProcess()?.getBuiltinModule as ((id: string) => unknown) | undefined;
    return get ? get(id) : undefined;
  } catch {
    return undefined;
  }
}

/** Float seconds since the epoch, as Sentry timestamps are. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** 32 lowercase hex chars (a v4 UUID without dashes), as event ids are. */
export function uuid4(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c?.randomUUID) return c.randomUUID().replace(/-/g, '');
  const bytes = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function hostname(): string | undefined {
  try {
    return nodeBuiltin('node:os')?.hostname();
  } catch {
    return undefined;
  }
}

/** `contexts.runtime` / `contexts.os` in Node; `request` (page URL, user agent) in a browser. */
export function runtimeData(): Pick<Event, 'contexts' | 'request'> {
  try {
    const proc = nodeProcess();
    if (proc) {
      const os = nodeBuiltin('node:os');
      return {
        contexts: {
          runtime: { name: 'node', version: proc.version },
          ...(os ? { os: { name: os.type(), version: os.release(), kernel_version: os.release() } } : {}),
        },
      };
    }
    const g = globalThis as { location?: { href?: string }; navigator?: { userAgent?: string } };
    const url = g.location?.href;
    const ua = g.navigator?.userAgent;
    if (!url && !ua) return {};
    return { request: { ...(url ? { url } : {}), ...(ua ? { headers: { 'User-Agent': ua } } : {}) } };
  } catch {
    return {};
  }
}

/** Text of a local source file for context lines: only files smaller than 1 MiB, else null. */
export function readSourceFile(path: string): string | null {
  try {
    const fs = nodeBuiltin('node:fs');
    if (!fs) return null;
    if (fs.statSync(path).size >= MAX_SOURCE_BYTES) return null;
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Files at or above this size get no context lines (likely generated bundles). */
export const MAX_SOURCE_BYTES = 1024 * 1024;

/** Default app root for frame modules: the working directory in Node. */
export function defaultAppRoot(): string | undefined {
  try {
    return nodeProcess()?.cwd();
  } catch {
    return undefined;
  }
}
