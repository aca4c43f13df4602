// Stage "fingerprint": the grouping hashes (primary first, with the variants that explain them)
// and the issue summary (title, culprit, metadata) of a normalized event. Pure CPU; the
// grouping rules themselves live in grouping/. Grouping results come through a bounded cache
// (grouping-cache.ts) keyed by exactly what grouping reads.
import {
  computeGrouping,
  summarizeEvent,
  type EventSummary,
  type GroupingOptions,
  type GroupingResult,
} from '../grouping/index.js';
import type { NormalizedEvent } from '../shared/protocol/event.js';
import type { GroupingCache } from './grouping-cache.js';

export interface Fingerprinted {
  grouping: GroupingResult;
  summary: EventSummary;
}

/** `cache`: the worker's grouping cache (pipeline state); without it grouping is computed. */
export function fingerprint(event: NormalizedEvent, opts?: GroupingOptions, cache?: GroupingCache): Fingerprinted {
  const grouping = cache ? cache.get(event, opts, () => computeGrouping(event, opts)) : computeGrouping(event, opts);
  const summary = summarizeEvent(event);
  // A server-side fingerprint rule may name the issue (`title="…"`).
  return { grouping, summary: grouping.title ? { ...summary, title: grouping.title } : summary };
}
