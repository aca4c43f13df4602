// The per-project inbound filter settings (stored in projects.inbound_filters, edited through
// /api/0/projects/{org}/{project}/filters/) and the one shape every filter has: pure
// `(event, settings) => reason | null`, like Relay's `should_filter`. No I/O here.

/** Sentry's filter ids (FilterStatKey): the `filtered` outcome's reason and the API's `id`. */
export type FilterReason =
  | 'localhost'
  | 'browser-extensions'
  | 'web-crawlers'
  | 'legacy-browsers'
  | 'error-message'
  | 'release-version'
  | 'environment';

/** Legacy-browser subfilters: Sentry's current names plus the older per-version ones. */
export const LEGACY_BROWSERS = [
  'ie',
  'edge',
  'safari',
  'firefox',
  'chrome',
  'opera',
  'opera_mini',
  'android',
  'ie_pre_9',
  'ie9',
  'ie10',
  'ie11',
  'opera_pre_15',
  'opera_mini_pre_8',
  'android_pre_4',
  'safari_pre_6',
  'edge_pre_79',
  'default',
] as const;
export type LegacyBrowser = (typeof LEGACY_BROWSERS)[number];

export interface InboundFilterSettings {
  localhost: boolean;
  browserExtensions: boolean;
  webCrawlers: boolean;
  /** Active subfilters; empty = filter off. */
  legacyBrowsers: LegacyBrowser[];
  /** Glob patterns (glob.ts) matched against messages and `Type: value` of exceptions. */
  errorMessages: string[];
  releases: string[];
  environments: string[];
}

export const NO_FILTERS: InboundFilterSettings = Object.freeze({
  localhost: false,
  browserExtensions: false,
  webCrawlers: false,
  legacyBrowsers: [],
  errorMessages: [],
  releases: [],
  environments: [],
});

/** What the filters read from an event: a structural subset of the normalized event. */
export interface FilterableEvent {
  user?: { ip_address?: unknown } | undefined;
  request?: { url?: unknown; headers?: unknown } | undefined;
  exception?:
    | {
        values?: ReadonlyArray<{
          type?: unknown;
          value?: unknown;
          stacktrace?: { frames?: ReadonlyArray<{ abs_path?: unknown }> };
        }>;
      }
    | undefined;
  logentry?: { message?: unknown; formatted?: unknown } | undefined;
  release?: unknown;
  environment?: unknown;
}

export type InboundFilter = (event: FilterableEvent, settings: InboundFilterSettings) => FilterReason | null;

const MAX_PATTERNS = 100;
const MAX_PATTERN_CHARS = 500;

/**
 * Reads stored settings leniently: unknown keys are ignored and wrong types fall back to "off",
 * so a bad row can never break the pipeline. The API validates strictly before writing.
 */
export function parseFilterSettings(raw: unknown): InboundFilterSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return NO_FILTERS;
  const r = raw as Record<string, unknown>;
  const legacy = Array.isArray(r.legacyBrowsers)
    ? r.legacyBrowsers.filter((b): b is LegacyBrowser => (LEGACY_BROWSERS as readonly unknown[]).includes(b))
    : [];
  return {
    localhost: r.localhost === true,
    browserExtensions: r.browserExtensions === true,
    webCrawlers: r.webCrawlers === true,
    legacyBrowsers: legacy,
    errorMessages: patterns(r.errorMessages),
    releases: patterns(r.releases),
    environments: patterns(r.environments),
  };
}

function patterns(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((p): p is string => typeof p === 'string' && p.length > 0 && p.length <= MAX_PATTERN_CHARS)
    .slice(0, MAX_PATTERNS);
}

export const FILTER_LIMITS = { maxPatterns: MAX_PATTERNS, maxPatternChars: MAX_PATTERN_CHARS } as const;

/** True when no filter is switched on (the pipeline then skips the stage for the project). */
export function hasActiveFilters(s: InboundFilterSettings): boolean {
  return (
    s.localhost ||
    s.browserExtensions ||
    s.webCrawlers ||
    s.legacyBrowsers.length > 0 ||
    s.errorMessages.length > 0 ||
    s.releases.length > 0 ||
    s.environments.length > 0
  );
}
