// Scalar field normalization for the normalize stage: timestamps, levels, platform, tags,
// log entries and the short string fields. Pure; each function takes what the SDK sent and
// returns the canonical value or undefined (dropped). Rules: protocol.md §4.1, Relay's normalizer.
import type { Level, LogEntry } from './protocol/event.js';

export const MAX_TAG_KEY_CHARS = 200; // Relay rejects longer keys
export const MAX_TAG_VALUE_CHARS = 200; // Relay rejects longer values
export const MAX_MESSAGE_CHARS = 8192; // logentry.message / formatted (Relay max_chars)
/** Most params applied to one log message; more are ignored (a hostile list could be huge). */
const MAX_LOG_PARAMS = 64;

/** The first `max` characters (UTF-16 units; a split surrogate pair is dropped). */
export function truncateChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAX_FUTURE_SECONDS = 60; // Relay: further ahead is clock skew → use the received time
const MAX_PAST_SECONDS = 30 * 24 * 3600; // Relay: older than 30 days → use the received time

/** The event's own time, or the received time when it is too far in the future or past. */
export function clampTimestamp(timestamp: number | undefined, received: number): number {
  if (timestamp === undefined) return received;
  if (timestamp > received + MAX_FUTURE_SECONDS || timestamp < received - MAX_PAST_SECONDS) return received;
  return timestamp;
}

// RFC 3339 with optional seconds, fraction and timezone (no timezone means UTC, as in Relay).
const ISO_RE = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/** Seconds since the epoch (float) from a number or an RFC 3339 string; undefined when unusable. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = ISO_RE.exec(value.trim());
  if (!m) return undefined;
  const [, date, hm, sec = '00', frac = '', tzRaw] = m;
  const tz =
    !tzRaw || tzRaw === 'z' || tzRaw === 'Z'
      ? 'Z'
      : tzRaw.length === 3
        ? `${tzRaw}:00`
        : tzRaw.includes(':')
          ? tzRaw
          : `${tzRaw.slice(0, 3)}:${tzRaw.slice(3)}`;
  const ms = Date.parse(`${date}T${hm}:${sec}${tz}`);
  if (Number.isNaN(ms)) return undefined;
  return ms / 1000 + (frac ? Number(`0.${frac}`) : 0);
}

const LEVEL_NAMES: Record<string, Level> = {
  fatal: 'fatal',
  critical: 'fatal',
  error: 'error',
  warning: 'warning',
  warn: 'warning',
  info: 'info',
  log: 'info',
  debug: 'debug',
  trace: 'debug',
};

/** Sentry level from a name (incl. critical/log) or a Python logging number (10..50). */
export function normalizeLevel(value: unknown, fallback: Level = 'error'): Level {
  if (typeof value === 'string') {
    const name = LEVEL_NAMES[value.trim().toLowerCase()];
    if (name) return name;
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) ? pythonLevel(n) : fallback;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return pythonLevel(value);
  return fallback;
}

function pythonLevel(n: number): Level {
  if (n >= 50) return 'fatal';
  if (n >= 40) return 'error';
  if (n >= 30) return 'warning';
  if (n >= 20) return 'info';
  return 'debug';
}

const PLATFORMS = new Set([
  'as3',
  'c',
  'cfml',
  'cocoa',
  'csharp',
  'elixir',
  'go',
  'groovy',
  'haskell',
  'java',
  'javascript',
  'native',
  'node',
  'objc',
  'other',
  'perl',
  'php',
  'python',
  'ruby',
]);

export function normalizePlatform(value: unknown): string {
  return typeof value === 'string' && PLATFORMS.has(value) ? value : 'other';
}

/** Tag values as Sentry shows them: Python-style booleans, numbers as text. */
function tagText(value: unknown): string | undefined {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

const TAG_KEY_RE = /^[a-zA-Z0-9_.:-]+$/;

/** Tags from an object or a list of [key, value] pairs; invalid entries dropped, first key wins. */
export function normalizeTags(value: unknown): Array<[string, string]> {
  const entries: Array<[unknown, unknown]> = [];
  if (Array.isArray(value)) {
    for (const pair of value) if (Array.isArray(pair) && pair.length === 2) entries.push([pair[0], pair[1]]);
  } else if (isRecord(value)) {
    entries.push(...Object.entries(value));
  }
  const seen = new Set<string>();
  const out: Array<[string, string]> = [];
  for (const [k, v] of entries) {
    if (typeof k !== 'string' && typeof k !== 'number') continue;
    const key = String(k).trim().replace(/\s+/g, '-');
    const text = tagText(v)?.trim();
    if (!key || key.length > MAX_TAG_KEY_CHARS || !TAG_KEY_RE.test(key) || seen.has(key)) continue;
    if (text === undefined || text.length > MAX_TAG_VALUE_CHARS || text.includes('\n')) continue;
    seen.add(key);
    out.push([key, text]);
  }
  return out;
}

/** A trimmed string of 1..max chars without line breaks, or undefined. Numbers are accepted. */
export function shortString(value: unknown, max: number, opts: { truncate?: boolean } = {}): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value).trim();
  if (!s || /[\r\n]/.test(s)) return undefined;
  if (s.length > max) return opts.truncate ? s.slice(0, max) : undefined;
  return s;
}

/** Release names follow Sentry's release parser: no slashes, not '.', '..' or 'latest'. */
export function normalizeRelease(value: unknown): string | undefined {
  const s = shortString(value, 200);
  if (!s || s === '.' || s === '..' || s.toLowerCase() === 'latest' || /[/\\\t]/.test(s)) return undefined;
  return s;
}

/** Environments: ≤ 64 chars, no slashes or whitespace, not 'None' (Sentry's rules). */
export function normalizeEnvironment(value: unknown): string | undefined {
  const s = shortString(value, 64);
  if (!s || s === 'None' || /[/\s]/.test(s)) return undefined;
  return s;
}

export function normalizeDist(value: unknown): string | undefined {
  const s = shortString(value, 64);
  return s && /^[a-zA-Z0-9_.-]+$/.test(s) ? s : undefined;
}

/** Fingerprint entries as strings; numbers and booleans coerced, anything else dropped. */
export function normalizeFingerprint(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (const v of value) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' && Number.isFinite(v)) out.push(String(v));
    else if (typeof v === 'boolean') out.push(v ? 'True' : 'False');
  }
  return out.length > 0 ? out : undefined;
}

/**
 * logentry from `logentry` (object or string) or the legacy top-level `message` (a string is the
 * formatted text, an object is a logentry, `false` is ignored). Params are applied printf-style.
 */
export function normalizeLogentry(logentry: unknown, message: unknown): LogEntry | undefined {
  const source = isRecord(logentry) || typeof logentry === 'string' ? logentry : message;
  let entry: LogEntry;
  // Cut first: formatting, splitting and parameterizing only ever see bounded text.
  if (typeof source === 'string') entry = { formatted: truncateChars(source, MAX_MESSAGE_CHARS) };
  else if (isRecord(source)) {
    entry = {};
    if (typeof source.message === 'string') entry.message = truncateChars(source.message, MAX_MESSAGE_CHARS);
    if (typeof source.formatted === 'string') entry.formatted = truncateChars(source.formatted, MAX_MESSAGE_CHARS);
    if (source.params !== undefined && source.params !== null) entry.params = source.params;
  } else return undefined;
  if (entry.formatted === undefined && entry.message === undefined && typeof message === 'string')
    entry.formatted = truncateChars(message, MAX_MESSAGE_CHARS);
  if (entry.formatted === undefined && entry.message !== undefined) {
    entry.formatted = entry.params === undefined ? entry.message : formatParams(entry.message, entry.params);
  }
  if (entry.message === entry.formatted) delete entry.message;
  if (entry.formatted !== undefined) entry.formatted = truncateChars(entry.formatted, MAX_MESSAGE_CHARS);
  return entry.formatted || entry.message ? entry : undefined;
}

/**
 * printf-style formatting as Python logging does it: %s %d %r …, %(name)s, %% → %. Params are
 * the client's JSON: shown as text, never coerced (an object's `toString` is data, not code).
 */
export function formatParams(template: string, params: unknown): string {
  const list = Array.isArray(params) ? params.slice(0, MAX_LOG_PARAMS) : [];
  const named = isRecord(params) ? params : {};
  let i = 0;
  let budget = MAX_MESSAGE_CHARS; // the result is cut there anyway: stop substituting past it
  let out = template.replace(
    /%(?:\((\w{1,64})\))?([-+ #0]{0,8}\d{0,8}(?:\.\d{1,8})?)([sdifrx%])/g,
    (whole, name: string | undefined, _flags, conv: string) => {
      if (conv === '%') return '%';
      const value =
        name !== undefined ? (Object.prototype.hasOwnProperty.call(named, name) ? named[name] : undefined) : list[i++];
      if (value === undefined || budget <= 0) return whole;
      if (conv === 'd' || conv === 'i') {
        const n =
          typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
        if (Number.isFinite(n)) return String(Math.trunc(n));
      }
      const text = truncateChars(
        typeof value === 'string' ? (conv === 'r' ? `'${value}'` : value) : (tagText(value) ?? ''),
        MAX_MESSAGE_CHARS,
      );
      budget -= text.length;
      return text;
    },
  );
  if (out.length > MAX_MESSAGE_CHARS) out = truncateChars(out, MAX_MESSAGE_CHARS);
  return out;
}
