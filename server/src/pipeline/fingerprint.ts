// Stage "fingerprint": the grouping hashes (primary first, with the variants that explain them)
// and the issue summary (title, culprit, metadata) of a normalized event. Pure CPU; the
// grouping rules themselves live in grouping/.
import { computeGrouping, summarizeEvent, type EventSummary, type GroupingOptions, type GroupingResult } from '../grouping/index.js';
import type { NormalizedEvent } from '../shared/protocol/event.js';

export interface Fingerprinted {
  grouping: GroupingResult;
  summary: EventSummary;
}

export function fingerprint(event: NormalizedEvent, opts?: GroupingOptions): Fingerprinted {
  const grouping = computeGrouping(event, opts);
  const summary = summarizeEvent(event);
  // A server-side fingerprint rule may name the issue (`title="…"`).
  return { grouping, summary: grouping.title ? { ...summary, title: grouping.title } : summary };
}
