// Rate limits the server announced (develop docs "Rate Limiting"): X-Sentry-Rate-Limits
// `retry_after:categories:scope[:reason[:namespaces]]`, comma separated, empty categories = all;
// else Retry-After (seconds or HTTP-date) for all; else a bare 429 = all for 60 s. Pure: pass `now` (ms).

/** Category (or `all`) → epoch ms until which it must not be sent. */
export type RateLimits = Readonly<Record<string, number>>;

export const DEFAULT_RETRY_AFTER_MS = 60_000;

/** Milliseconds to wait for a Retry-After value: delay-seconds, an HTTP-date, or 60 s if unreadable. */
export function parseRetryAfterHeader(header: string, now: number): number {
  const trimmed = header.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number.parseFloat(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return DEFAULT_RETRY_AFTER_MS;
}

export interface RateLimitResponse {
  statusCode?: number;
  retryAfter?: string | null;
  rateLimits?: string | null;
}

/** New limits after a response; existing limits are kept unless the response extends them. */
export function updateRateLimits(limits: RateLimits, response: RateLimitResponse, now: number): RateLimits {
  const next: Record<string, number> = { ...limits };
  const set = (category: string, until: number): void => {
    next[category] = Math.max(next[category] ?? 0, until);
  };
  if (response.rateLimits) {
    for (const limit of response.rateLimits.split(',')) {
      if (!limit.trim()) continue;
      const [retryAfter = '', categories = ''] = limit.trim().split(':');
      const seconds = Number.parseFloat(retryAfter);
      const until = now + (Number.isFinite(seconds) ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS);
      const names = categories
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean);
      if (names.length === 0) set('all', until);
      for (const name of names) set(name, until);
    }
  } else if (response.retryAfter) {
    set('all', now + parseRetryAfterHeader(response.retryAfter, now));
  } else if (response.statusCode === 429) {
    set('all', now + DEFAULT_RETRY_AFTER_MS);
  }
  return next;
}

/** Epoch ms until which `category` is limited (its own limit or `all`), 0 if not limited. */
export function disabledUntil(limits: RateLimits, category: string): number {
  return Math.max(limits[category] ?? 0, limits.all ?? 0);
}

export function isRateLimited(limits: RateLimits, category: string, now: number): boolean {
  return disabledUntil(limits, category) > now;
}
