// Step "filter" (per event, after scrub, before fingerprint): the project's inbound filters
// (shared/filters: localhost, browser extensions, crawlers, legacy browsers, error messages,
// releases, environments). The load-settings step reads the settings once per batch; a filtered
// event ends here with the `filtered` outcome and its reason.
import type { Queryable } from '../db/pool.js';
import {
  hasActiveFilters,
  shouldFilter,
  type FilterReason,
  type InboundFilterSettings,
} from '../shared/filters/index.js';
import type { NormalizedEvent } from '../shared/protocol/event.js';
import { listInboundFilters } from '../projects/protection-queries.js';

export type { FilterReason };

/** A project's active filters, none (null), or why they could not be read (the event retries). */
export type FilterInput = InboundFilterSettings | null | Error;

/** Reads the inbound filters of the batch's projects in one query. */
export async function loadFilterInputs(
  db: Queryable,
  projectIds: string[],
): Promise<(projectId: string) => FilterInput> {
  // Only well-formed ids are looked up: a poisoned job must fail alone, later, in its own commit.
  const ids = [...new Set(projectIds)].filter((id) => /^\d{1,18}$/.test(id));
  if (ids.length === 0) return () => null;
  try {
    const settings = await listInboundFilters(db, ids);
    const active = new Map<string, InboundFilterSettings>([...settings].filter(([, s]) => hasActiveFilters(s)));
    return (projectId) => active.get(projectId) ?? null;
  } catch (err) {
    // Every event fails and is retried; an outage (in the cause) costs no attempt (dead-letters/retry-policy.ts).
    const error = new Error('loading inbound filter settings failed', { cause: err });
    return () => error;
  }
}

/** The step's decision: the reason the event is filtered, or null. */
export function filter(event: NormalizedEvent, input: FilterInput | undefined): FilterReason | null {
  if (input instanceof Error) throw input;
  return input ? shouldFilter(event, input) : null;
}
