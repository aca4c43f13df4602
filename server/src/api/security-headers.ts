// Security headers on every HTTP answer: no MIME sniffing, no framing, same-origin referrers,
// HSTS behind TLS, and a deny-everything Content-Security-Policy for JSON answers. The UI's
// own policy (UI_CSP) lives in ui.ts, which replaces this one on the pages and assets it serves.
import type Koa from 'koa';

/** For answers that are data, never documents: nothing may load or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const HSTS = 'max-age=15552000; includeSubDomains'; // 180 days

export function securityHeaders(): Koa.Middleware {
  return async (ctx, next) => {
    setSecurityHeaders(ctx);
    await next();
  };
}

/**
 * Straight on the Node response, as every request runs this before anything is written: Koa 3's
 * ctx.set builds a few arrays per call, which made its headers ~10% of what an ingest request
 * allocates (bench/alloc-profile.ts).
 */
export function setSecurityHeaders(ctx: Koa.Context): void {
  const res = ctx.res;
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Content-Security-Policy', API_CSP);
  if (ctx.secure) res.setHeader('Strict-Transport-Security', HSTS);
}
