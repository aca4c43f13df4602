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

export function setSecurityHeaders(ctx: Koa.Context): void {
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('Content-Security-Policy', API_CSP);
  if (ctx.secure) ctx.set('Strict-Transport-Security', HSTS);
}
