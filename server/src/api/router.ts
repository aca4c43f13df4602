// The /api/0/ web API: every concept's routes.ts registers here. (Stub until the API lands.)
import type Koa from 'koa';
import type { Deps } from '../deps.js';

export function createApiRouter(_deps: Deps): { middleware: Koa.Middleware; close: () => Promise<void> } {
  return { middleware: async (_ctx, next) => next(), close: async () => {} };
}
