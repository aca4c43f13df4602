// Stage "fingerprint": the grouping hashes (primary first, with the variants that explain them)
// and the issue summary (title, culprit, metadata) of a normalized event. Pure CPU; the
// grouping rules themselves live in grouping/. Grouping results come through a bounded cache
// (grouping-cache.ts) keyed by exactly what grouping reads.
import { computeGrouping, summarizeEvent, type EventSummary, type GroupingOptions, type GroupingResult } from '../grouping/index.js';
import type { NormalizedEvent } from '../protocol/event.js';
import { groupingCacheLookups } from '../metrics/registry.js';
import { createGroupingCache, GROUPING_CACHE_MAX_ENTRIES } from './grouping-cache.js';

/** The worker's grouping cache; lookups are counted in faultline_grouping_cache_lookups_total. */
export const groupingCache = createGroupingCache(GROUPING_CACHE_MAX_ENTRIES, (lookup) => groupingCacheLookups.inc({ result: lookup }));

export interface Fingerprinted {
  grouping: GroupingResult;
  summary: EventSummary;
}

export function fingerprint(event: NormalizedEvent, opts?: GroupingOptions): Fingerprinted {
  const grouping = groupingCache.get(event, opts, () => computeGrouping(event, opts));
  const summary = summarizeEvent(event);
  // A server-side fingerprint rule may name the issue (`title="…"`).
  return { grouping, summary: grouping.title ? { ...summary, title: grouping.title } : summary };
}
