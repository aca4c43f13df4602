// Deploy health's view of the request counters (releases/health.ts `RequestCountSource`):
// requests per host × release in a window, or null when no counter data exists there, so the
// verdict falls back to errors per minute for projects whose SDKs send no counters.
import type { Queryable } from '../db/pool.js';
import { listRequestCounts, type HostReleaseRequests, type ListRequestCountsArgs } from './queries.js';

export interface RequestCounts {
  countRequests(scope: ListRequestCountsArgs): Promise<HostReleaseRequests[] | null>;
}

export function requestCountSource(db: Queryable): RequestCounts {
  return {
    async countRequests(scope) {
      const rows = await listRequestCounts(db, scope);
      return rows.length > 0 ? rows : null;
    },
  };
}
