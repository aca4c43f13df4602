// Request counter behind `recordRequest()`: accumulates requests served and hands them out as a
// `faultline_counter` payload (requests per host and release over an interval). Pure: pass `now` (s).

export interface RequestCounter {
  add(n: number, nowSeconds: number): void;
  /** Requests since the last take and the seconds they span; null when there were none. */
  take(nowSeconds: number): { requests: number; interval: number } | null;
}

export function createRequestCounter(): RequestCounter {
  let requests = 0;
  let since: number | undefined;
  return {
    add(n, now) {
      if (!Number.isFinite(n) || n <= 0) return;
      since ??= now;
      requests += n;
    },
    take(now) {
      if (requests === 0 || since === undefined) return null;
      const out = { requests, interval: Math.max(0, Math.round((now - since) * 1000) / 1000) };
      requests = 0;
      since = now;
      return out;
    },
  };
}
