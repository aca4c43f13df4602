// Filter "browser-extensions": errors thrown by browser extensions and injected third-party
// scripts, recognised by the first exception's message or by the source of its innermost
// non-anonymous frame (the known patterns Sentry documents for this filter).
import { exceptions, text } from './event-fields.js';
import type { InboundFilter } from './settings.js';

/** Messages extensions, toolbars and "optimizing" proxies are known to produce. */
const EXTENSION_MESSAGES = new RegExp(
  [
    'top\\.GLOBALS',
    'originalCreateNotification',
    'canvas\\.contentDocument',
    'MyApp_RemoveAllHighlights',
    'http://tt\\.epicplay\\.com',
    "Can't find variable: ZiteReader",
    'jigsaw is not defined',
    'ComboSearch is not defined',
    'http://loading\\.retry\\.widdit\\.com/',
    'atomicFindClose',
    'fb_xd_fragment',
    'bmi_SafeAddOnload',
    'EBCallBackMessageReceived',
    '_gCrWeb',
    'conduitPage',
    "null is not an object \\(evaluating 'elt\\.parentNode'\\)",
    'plugin\\.setSuspendState is not a function',
    'Extension context invalidated',
    'webkit-masked-url:',
    "can't access dead object",
  ].join('|'),
  'i',
);

/** Script sources that belong to extensions or flaky third parties, not to the application. */
const EXTENSION_SOURCES = new RegExp(
  [
    'graph\\.facebook\\.com',
    'connect\\.facebook\\.net',
    'eatdifferent\\.com\\.woopra-ns\\.com',
    'static\\.woopra\\.com/js/woopra\\.js',
    '^chrome(-extension)?://',
    '^moz-extension://',
    '^safari(-web)?-extension://',
    'webkit-masked-url',
    '127\\.0\\.0\\.1:4001/isrunning',
    'webappstoolbarba\\.texthelp\\.com/',
    'metrics\\.itunes\\.apple\\.com\\.edgesuite\\.net/',
    'kaspersky-labs\\.com',
  ].join('|'),
  'i',
);

const ANONYMOUS_SOURCES = new Set(['<anonymous>', '[native code]']);
/** Regexes run on bounded input only. */
const MAX_CHARS = 8 * 1024;

export const browserExtensions: InboundFilter = (event, settings) => {
  if (!settings.browserExtensions) return null;
  const first = exceptions(event)[0];
  if (!first) return null;
  const value = text(first.value);
  if (value !== undefined && EXTENSION_MESSAGES.test(value.slice(0, MAX_CHARS))) return 'browser-extensions';
  const source = innermostSource(first.stacktrace?.frames);
  if (source !== undefined && EXTENSION_SOURCES.test(source.slice(0, MAX_CHARS))) return 'browser-extensions';
  return null;
};

/** Frames are ordered outermost first: walk from the end to the first named source. */
function innermostSource(frames: ReadonlyArray<{ abs_path?: unknown }> | undefined): string | undefined {
  if (!Array.isArray(frames)) return undefined;
  for (let i = frames.length - 1; i >= 0; i--) {
    const path = text(frames[i]?.abs_path);
    if (path === undefined) return undefined;
    if (!ANONYMOUS_SOURCES.has(path)) return path;
  }
  return undefined;
}
