// Stage "filter" (per batch, after the per-event stages, before symbolicate): the project's
// inbound filters (shared/filters: localhost, browser extensions, crawlers, legacy
// browsers, error messages, releases, environments) on each prepared event. Settings are read
// once per batch; a filtered event ends here with the `filtered` outcome and its reason.
import type { Queryable } from '../db/pool.js';
import { hasActiveFilters, shouldFilter, type FilterReason, type InboundFilterSettings } from '../shared/filters/index.js';
import { listInboundFilters } from '../projects/protection-queries.js';
import type { PreparedEvent } from './prepared.js';

export interface Filtered {
  kept: PreparedEvent[];
  /** Filtered out (reason), or not filtered because the settings could not be read (error). */
  dropped: Array<{ event: PreparedEvent; reason: FilterReason } | { event: PreparedEvent; error: Error }>;
}

export async function filter(db: Queryable, events: PreparedEvent[]): Promise<Filtered> {
  if (events.length === 0) return { kept: events, dropped: [] };
  // Only well-formed ids are looked up: a poisoned job must fail alone, later, in its own commit.
  const ids = [...new Set(events.map((e) => e.projectId))].filter((id) => /^\d{1,18}$/.test(id));
  let settings: Map<string, InboundFilterSettings>;
  try {
    settings = await listInboundFilters(db, ids);
  } catch (err) {
    // Every event fails and is retried; an outage (in the cause) costs no attempt (dead-letters/retry-policy.ts).
    const error = new Error('loading inbound filter settings failed', { cause: err });
    return { kept: [], dropped: events.map((event) => ({ event, error })) };
  }
  const active = new Map<string, InboundFilterSettings>([...settings].filter(([, s]) => hasActiveFilters(s)));
  if (active.size === 0) return { kept: events, dropped: [] };
  const kept: PreparedEvent[] = [];
  const dropped: Filtered['dropped'] = [];
  for (const e of events) {
    const s = active.get(e.projectId);
    const reason = s ? shouldFilter(e.event, s) : null;
    if (reason) dropped.push({ event: e, reason });
    else kept.push(e);
  }
  return { kept, dropped };
}
