// Serves the built UI (ui/dist): hashed assets with a year-long immutable cache, everything
// else that looks like a client route gets index.html (no-cache) so deep links work. Every UI
// response carries a Content-Security-Policy: scripts and styles only from this origin, nothing inline.
import type Koa from 'koa';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Component CSS is bundled into files; Svelte sets dynamic sizes through the CSSOM
  // (element.style), which CSP allows, so no inline style is needed.
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** ui/dist next to the sources (tsx) or next to the compiled output (dist/server/src/api). */
export function defaultUiDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [resolve(here, '../../../ui/dist'), resolve(here, '../../../../ui/dist')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;
}

function setSecurityHeaders(ctx: Koa.Context): void {
  ctx.set('Content-Security-Policy', UI_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('X-Frame-Options', 'DENY');
}

/**
 * Whether a request for a missing file is a client route (answered with index.html): paths
 * without an extension, and browser navigations (Accept: text/html) to paths that have one,
 * like /organizations/acme/releases/web@1.4.2/. Never under /assets/.
 */
export function isClientRoute(path: string, accept: string): boolean {
  if (path.startsWith('/assets/')) return false;
  return extname(path) === '' || accept.includes('text/html');
}

/**
 * Does nothing when ui/dist has not been built (API-only deployments, most tests): unknown paths
 * then fall through to the usual 404.
 */
export function serveUi(dir: string = defaultUiDir()): Koa.Middleware {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return async (_ctx, next) => next();
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/')) return next();
    let rel: string;
    try {
      rel = normalize(decodeURIComponent(ctx.path)).replace(/^([/\\])+/, '');
    } catch {
      return next(); // malformed escape: not one of our files
    }
    if (rel.includes('\0')) return next();
    const file = join(dir, rel);
    if (rel !== '' && !file.startsWith(dir + sep)) return next(); // path traversal
    const info = rel === '' ? null : await stat(file).catch(() => null);
    if (info?.isFile()) return send(ctx, file, info.size, rel.startsWith(`assets${sep}`));
    // Unknown paths with an extension are missing files, not client routes.
    if (!isClientRoute(ctx.path, ctx.get('accept')) || !ctx.accepts('html')) return next();
    const indexInfo = await stat(index).catch(() => null);
    if (!indexInfo) return next();
    return send(ctx, index, indexInfo.size, false);
  };
}

function send(ctx: Koa.Context, file: string, size: number, immutable: boolean): void {
  setSecurityHeaders(ctx);
  ctx.set('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  ctx.status = 200;
  ctx.type = TYPES[extname(file)] ?? 'application/octet-stream';
  // HEAD: headers only (Koa sends no body for HEAD; opening the file would leak a descriptor).
  if (ctx.method !== 'HEAD') ctx.body = createReadStream(file);
  ctx.length = size;
}
