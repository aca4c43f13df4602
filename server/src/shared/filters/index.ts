// The inbound filters composed in order (Relay `relay-filter/src/lib.rs`): the first filter that
// matches names the `filtered` outcome's reason. The worker runs them on every event
// (pipeline/filter.ts); ingest runs release/environment early when the envelope says them.
import { browserExtensions } from './browser-extensions.js';
import { environments } from './environments.js';
import { errorMessages } from './error-messages.js';
import { legacyBrowsers } from './legacy-browsers.js';
import { localhost } from './localhost.js';
import { releases } from './releases.js';
import type { FilterableEvent, FilterReason, InboundFilter, InboundFilterSettings } from './settings.js';
import { webCrawlers } from './web-crawlers.js';

export * from './settings.js';

export const INBOUND_FILTERS: ReadonlyArray<InboundFilter> = [
  localhost,
  browserExtensions,
  webCrawlers,
  legacyBrowsers,
  errorMessages,
  releases,
  environments,
];

/** The reason the event is filtered, or null to keep it. */
export function shouldFilter(event: FilterableEvent, settings: InboundFilterSettings): FilterReason | null {
  for (const filter of INBOUND_FILTERS) {
    const reason = filter(event, settings);
    if (reason) return reason;
  }
  return null;
}
