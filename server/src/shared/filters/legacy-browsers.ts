// Filter "legacy-browsers": events from browsers too old to report usable errors, by the
// request's User-Agent. Sentry's per-version subfilters (`ie_pre_9`, `safari_pre_6`, …) keep
// their meaning; the per-family ones (`ie`, `chrome`, …) filter versions below the minimums
// here, and `default` is Sentry's original set (IE < 10, Safari < 6, Opera < 15, …).
import { userAgent } from './event-fields.js';
import { parseBrowser, type Browser, type BrowserFamily } from './user-agent.js';
import type { InboundFilter, LegacyBrowser } from './settings.js';

/** Oldest version kept by the per-family subfilters (Faultline's choice, roughly 2018 browsers). */
const FAMILY_MINIMUM: Record<string, [BrowserFamily, number]> = {
  ie: ['IE', Infinity], // every Internet Explorer
  edge: ['Edge', 79], // EdgeHTML; Chromium Edge starts at 79
  safari: ['Safari', 12],
  firefox: ['Firefox', 67],
  chrome: ['Chrome', 63],
  opera: ['Opera', 50],
  opera_mini: ['Opera Mini', 35],
  android: ['Android', 4],
};

/** Sentry's original default subfilter: version below the minimum of its family. */
const DEFAULT_MINIMUM: Partial<Record<BrowserFamily, number>> = {
  IE: 10,
  Safari: 6,
  Opera: 15,
  Android: 4,
  'Opera Mini': 8,
};

const VERSIONED: Record<string, [BrowserFamily, (major: number) => boolean]> = {
  ie_pre_9: ['IE', (v) => v <= 8],
  ie9: ['IE', (v) => v === 9],
  ie10: ['IE', (v) => v === 10],
  ie11: ['IE', (v) => v === 11],
  opera_pre_15: ['Opera', (v) => v < 15],
  opera_mini_pre_8: ['Opera Mini', (v) => v < 8],
  android_pre_4: ['Android', (v) => v < 4],
  safari_pre_6: ['Safari', (v) => v < 6],
  edge_pre_79: ['Edge', (v) => v < 79],
};

export const legacyBrowsers: InboundFilter = (event, settings) => {
  if (settings.legacyBrowsers.length === 0) return null;
  const ua = userAgent(event);
  const browser = ua === undefined ? null : parseBrowser(ua);
  if (!browser) return null;
  return settings.legacyBrowsers.some((sub) => isLegacy(browser, sub)) ? 'legacy-browsers' : null;
};

export function isLegacy(b: Browser, subfilter: LegacyBrowser): boolean {
  if (subfilter === 'default') {
    const min = DEFAULT_MINIMUM[b.family];
    return min !== undefined && b.major < min;
  }
  const family = FAMILY_MINIMUM[subfilter];
  if (family) return family[0] === b.family && b.major < family[1];
  const versioned = VERSIONED[subfilter];
  return versioned !== undefined && versioned[0] === b.family && versioned[1](b.major);
}
