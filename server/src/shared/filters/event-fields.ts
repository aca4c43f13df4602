// Readers for the few event fields the inbound filters look at, tolerant of both the normalized
// shape (headers as [name, value] pairs) and raw SDK JSON (headers as an object). Pure.
import type { FilterableEvent } from './settings.js';

/** A request header, case-insensitive; the first one when repeated. */
export function requestHeader(event: FilterableEvent, name: string): string | undefined {
  const headers = event.request?.headers;
  const wanted = name.toLowerCase();
  if (Array.isArray(headers)) {
    for (const pair of headers as unknown[]) {
      if (
        Array.isArray(pair) &&
        typeof pair[0] === 'string' &&
        pair[0].toLowerCase() === wanted &&
        typeof pair[1] === 'string'
      )
        return pair[1];
    }
    return undefined;
  }
  if (typeof headers === 'object' && headers !== null) {
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted && typeof v === 'string') return v;
  }
  return undefined;
}

export function userAgent(event: FilterableEvent): string | undefined {
  return requestHeader(event, 'user-agent');
}

export function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function exceptions(event: FilterableEvent): NonNullable<NonNullable<FilterableEvent['exception']>['values']> {
  const values = event.exception?.values;
  return Array.isArray(values) ? values : [];
}
