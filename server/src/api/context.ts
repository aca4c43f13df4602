// What the API router puts on every request (ctx.state) and the router type concepts register
// their routes on. Read it through apiState(ctx), never ctx.state directly (it is untyped).
import type Router from '@koa/router';
import type Koa from 'koa';
import type { Queryable } from '../db/pool.js';

export type ApiRouter = Router;

export interface CallerUser {
  id: string;
  email: string;
  name: string;
  isActive: boolean;
  createdAt: Date;
}

/** Who is calling: a personal API token (Bearer) or a browser session cookie. */
export type Caller =
  | { via: 'token'; user: CallerUser; scopes: readonly string[]; tokenId: string }
  | { via: 'session'; user: CallerUser; scopes: readonly string[]; sessionId: string; csrfToken: string };

export interface ApiState {
  requestId: string;
  db: Queryable;
  caller: Caller | null;
  /** The parsed JSON body (see body.ts); undefined when the request had none. */
  body?: unknown;
  /** The JSON body's bytes as received (signature checks). */
  rawBody?: Buffer;
}

export function apiState(ctx: Koa.Context): ApiState {
  return ctx.state as ApiState;
}
