// The ingest HTTP endpoints (Sentry store and envelope). (Stub until ingest lands.)
import type Koa from 'koa';
import type { Deps } from '../../server/src/deps.js';

export function createIngestRouter(_deps: Deps): { middleware: Koa.Middleware; close: () => Promise<void> } {
  return { middleware: async (_ctx, next) => next(), close: async () => {} };
}
