// Keyset cursor pagination with Sentry's Link header format, which sentry-cli and Sentry's own
// clients follow: `<url>; rel="next"; results="true"; cursor="..."`. A cursor is
// `<sort key>:<row id (digits or hex)>:<1 if it pages backwards>`; sort keys are integers (counts, or
// microseconds since the epoch for dates) so no precision is lost between pages.
import type Koa from 'koa';
import { HttpError } from './errors.js';
import { isBigintId } from '../db/ids.js';

export interface Cursor {
  key: string;
  id: string;
  direction: 'next' | 'prev';
}

export interface Page<T> {
  items: T[];
  hasPrev: boolean;
  hasNext: boolean;
  prev: Cursor;
  next: Cursor;
}

// Keys are at most 17 digits: counts never come near, and 10^17 microseconds (year 5138) still
// converts to a timestamp and an interval, which a 20-digit key made a 500.
const CURSOR_RE = /^(-?\d{1,17}):([0-9a-f]{1,32}):([01])$/;
const EMPTY_KEY = { key: '0', id: '0' };
/** What the row id of a cursor must look like: a bigint row id, or an event id (32 hex). */
export type CursorIdKind = 'bigint' | 'event-id';
const EVENT_ID_RE = /^[0-9a-f]{32}$/;

export function parseCursor(raw: string | undefined, idKind: CursorIdKind = 'bigint'): Cursor | null {
  if (raw === undefined || raw === '') return null;
  const m = CURSOR_RE.exec(raw);
  const id = m?.[2] ?? '';
  const idOk = idKind === 'bigint' ? isBigintId(id) : EVENT_ID_RE.test(id);
  if (!m || !idOk)
    throw new HttpError(
      400,
      'invalid-cursor',
      `invalid cursor ${JSON.stringify(raw.slice(0, 100))}: pass back a cursor from a Link header`,
    );
  return { key: m[1]!, id, direction: m[3] === '1' ? 'prev' : 'next' };
}

export function encodeCursor(c: Cursor): string {
  return `${c.key}:${c.id}:${c.direction === 'prev' ? 1 : 0}`;
}

/** `limit` (Sentry's issue endpoints) or `per_page`; clamped to 1..max. */
export function parseLimit(query: Record<string, string | string[] | undefined>, fallback = 25, max = 100): number {
  const raw = firstValue(query.limit) ?? firstValue(query.per_page);
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1)
    throw new HttpError(400, 'invalid-limit', `invalid limit ${JSON.stringify(raw)}: use a positive integer`);
  return Math.min(n, max);
}

export function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Turns the rows a keyset query fetched (limit + 1 of them, in the cursor's direction: sort
 * order for `next`, reversed for `prev`) into a page in display order with both cursors.
 */
export function toPage<T>(
  rows: T[],
  limit: number,
  cursor: Cursor | null,
  keyOf: (row: T) => { key: string; id: string },
): Page<T> {
  const more = rows.length > limit;
  const backwards = cursor?.direction === 'prev';
  const items = backwards ? rows.slice(0, limit).reverse() : rows.slice(0, limit);
  const first = items[0];
  const last = items.at(-1);
  const prevKey = first ? keyOf(first) : (cursor ?? EMPTY_KEY);
  const nextKey = last ? keyOf(last) : (cursor ?? EMPTY_KEY);
  return {
    items,
    hasPrev: backwards ? more : cursor !== null,
    hasNext: backwards ? true : more,
    prev: { key: prevKey.key, id: prevKey.id, direction: 'prev' },
    next: { key: nextKey.key, id: nextKey.id, direction: 'next' },
  };
}

/** Builds the Link header value for a page; `url` is the absolute request URL. */
export function linkHeader(url: URL, page: Pick<Page<unknown>, 'hasPrev' | 'hasNext' | 'prev' | 'next'>): string {
  const link = (cursor: Cursor, rel: string, results: boolean) => {
    const u = new URL(url);
    u.searchParams.set('cursor', encodeCursor(cursor));
    return `<${u.toString()}>; rel="${rel}"; results="${results}"; cursor="${encodeCursor(cursor)}"`;
  };
  return [link(page.prev, 'previous', page.hasPrev), link(page.next, 'next', page.hasNext)].join(', ');
}

/** Sets the Link header for a page answered at the current request path. */
export function setLinkHeader(ctx: Koa.Context, baseUrl: string, page: Page<unknown>): void {
  ctx.set('Link', linkHeader(new URL(`${baseUrl}${ctx.originalUrl}`), page));
}
