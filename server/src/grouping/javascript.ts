// Platform families and the JavaScript-specific grouping rules: URL origins, module names derived
// from URLs (grouping.md §7, also used by symbolication), and the "fuzzing" that makes the same
// error from different browsers hash alike (anonymous/eval/native frames, `Object.foo` → `foo`).

export type Family = 'javascript' | 'native' | 'other';

const JS_PLATFORMS = new Set(['javascript', 'node']);
const NATIVE_PLATFORMS = new Set(['objc', 'cocoa', 'swift', 'native', 'c']);

export function behaviorFamily(platform: string | undefined): Family {
  if (platform && JS_PLATFORMS.has(platform)) return 'javascript';
  if (platform && NATIVE_PLATFORMS.has(platform)) return 'native';
  return 'other';
}

/** Frames from a page or blob URL. `file:` counts as a URL only where Sentry asks for it. */
export function hasUrlOrigin(path: string | undefined, filesCountAsUrls: boolean): boolean {
  if (!path) return false;
  if (/^(?:https?|applewebdata|blob):/.test(path)) return true;
  return path.startsWith('file:') ? filesCountAsUrls : false;
}

/** Function names that say nothing (anonymous callbacks in Chrome, Firefox, Edge). */
export function isUnknownJsFunction(name: string): boolean {
  return (
    name === '?' ||
    name === '<anonymous function>' ||
    name === '<anonymous>' ||
    name === 'Anonymous function' ||
    name.endsWith('/<')
  );
}

/** `Object.aha` → `aha`, `Foo.prototype.bar` → `bar` (cross-browser differences). */
export function trimJsFunction(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? name : name.slice(dot + 1);
}

/** Frames that differ between browsers for the same error and are dropped as a whole. */
export function isLowQualityJsFrame(trimmedFunction: string | undefined, absPath: string | undefined): boolean {
  if (trimmedFunction === 'eval') return true;
  return (
    absPath === '[native code]' || absPath === 'native code' || absPath === 'eval code' || absPath === '<anonymous>'
  );
}

// Folder prefixes that carry no meaning, version folders, short/long hashes, and a trailing
// commit-ish (grouping.md §7).
const CLEAN_PREFIX =
  /^(?:\/|(?:(?:java)?scripts?|js|build|static|node_modules|bower_components|[_.~].*?|v?(?:\d+\.)*\d+|[a-f0-9]{7,8}|[a-f0-9]{32}|[a-f0-9]{40})\/)+/i;
const CLEAN_COMMITISH = /[-.][a-f0-9]{7,}$/i;
const HASH_SEGMENT = /^(?:[a-f0-9]{32}|[a-f0-9]{40}$)/i;

/** Python's urlsplit(...).path, without touching `.` segments the way WHATWG URL would. */
function urlPath(url: string): string {
  let rest = url.replace(/#.*$/s, '').replace(/\?.*$/s, '');
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash === -1 ? '' : rest.slice(slash);
  }
  return rest;
}

/** Python's os.path.splitext: leading dots of the base name are not an extension. */
function stripExtension(path: string): string {
  const sep = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= sep) return path;
  for (let i = sep + 1; i < dot; i++) if (path[i] !== '.') return path.slice(0, dot);
  return path;
}

/**
 * Module name Sentry derives from a JS frame URL (before grouping, so that hashed or versioned
 * bundle names don't split issues): `http://host/js/v1.0/foo/bar/baz.min.js` → `foo/bar/baz`,
 * `webpack:///./app/api.jsx` → `app/api`. Null when nothing usable is left.
 */
export function deriveJsModule(url: string): string | null {
  if (!url) return null;
  let filename = stripExtension(urlPath(url));
  if (filename.endsWith('.min')) filename = filename.slice(0, -4);
  const tokens = filename.split('/');
  for (let i = 0; i < tokens.length; i++) {
    if (HASH_SEGMENT.test(tokens[i]!)) return tokens.slice(i + 1).join('/') || null;
  }
  const cleaned = filename.replace(CLEAN_PREFIX, '').replace(CLEAN_COMMITISH, '');
  return cleaned || null;
}
