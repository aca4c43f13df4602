// The one derivation of an event's tags: the ones Sentry derives from the event (level, release,
// environment, user, browser/os/runtime, url, …) followed by the event's own. The pipeline's "tag"
// step counts an event under exactly these; the event API shows the same list, derived again
// from the stored payload (which keeps them in `tags`, so deriving twice gives the same list).
// Pure, and reads every field defensively: stored payloads of any age come through here too.
// A derived tag wins over an own tag with the same key; a derived value that cleans to nothing
// (blank) is no tag at all.
import { MAX_TAG_VALUE_CHARS } from '../shared/normalize-values.js';

/** The fields tags are derived from: a normalized event, or a stored payload of one. */
export interface TagSource {
  level?: unknown;
  release?: unknown;
  dist?: unknown;
  environment?: unknown;
  server_name?: unknown;
  transaction?: unknown;
  user?: unknown;
  contexts?: unknown;
  request?: unknown;
  exception?: unknown;
  tags?: unknown;
}

/** The tag value that identifies the event's user (also events.user_key), or undefined. */
export function userTagValue(event: TagSource): string | undefined {
  const u = record(event.user);
  if (!u) return undefined;
  for (const [field, prefix] of USER_FIELDS) {
    const v = u[field];
    if ((typeof v === 'string' && v) || (typeof v === 'number' && Number.isFinite(v))) return `${prefix}:${v}`;
  }
  return undefined;
}

const USER_FIELDS = [
  ['id', 'id'],
  ['email', 'email'],
  ['username', 'username'],
  ['ip_address', 'ip'],
] as const;

export function eventTags(event: TagSource): Array<[string, string]> {
  const derived: Array<[string, unknown]> = [
    ['level', event.level],
    ['release', event.release],
    ['dist', event.dist],
    ['environment', event.environment],
    ['server_name', event.server_name],
    ['transaction', event.transaction],
    ['user', userTagValue(event)],
    ...contextTags(event, 'browser'),
    ...contextTags(event, 'os'),
    ...contextTags(event, 'runtime'),
    ['device', contextString(event, 'device', 'model') ?? contextString(event, 'device', 'family')],
    ['url', record(event.request)?.url],
    ...mechanismTags(event),
  ];
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [key, raw] of derived) {
    const value = typeof raw === 'string' ? tagValue(raw) : undefined;
    if (!value || seen.has(key)) continue;
    seen.add(key);
    out.push([key, value]);
  }
  for (const [key, value] of ownTags(event.tags)) {
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([key, value]);
  }
  return out;
}

/**
 * The event's own tags: [key, value] pairs (what normalize makes), or the object form older
 * payloads may hold; a non-string value is shown as its JSON.
 */
function ownTags(tags: unknown): Array<[string, string]> {
  const entries = Array.isArray(tags) ? tags : record(tags) ? Object.entries(record(tags)!) : [];
  const out: Array<[string, string]> = [];
  for (const e of entries) {
    if (!Array.isArray(e) || typeof e[0] !== 'string') continue;
    const value: unknown = e[1];
    out.push([
      e[0],
      typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value),
    ]);
  }
  return out;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `browser` = "Chrome 120.0", `browser.name` = "Chrome"; same for os and runtime. */
function contextTags(event: TagSource, name: 'browser' | 'os' | 'runtime'): Array<[string, string | undefined]> {
  const ctxName = contextString(event, name, 'name');
  const version = contextString(event, name, 'version');
  const full = ctxName ? (version ? `${ctxName} ${version}` : ctxName) : undefined;
  return [
    [name, full],
    [`${name}.name`, ctxName],
  ];
}

function contextString(event: TagSource, ctx: string, field: string): string | undefined {
  const v = record(record(event.contexts)?.[ctx])?.[field];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

// Sentry tags the raised exception's mechanism: handled yes/no and the mechanism type.
function mechanismTags(event: TagSource): Array<[string, unknown]> {
  const values: unknown = record(event.exception)?.values ?? event.exception; // {values} or a bare array
  const mechanism = record(record(Array.isArray(values) ? values.at(-1) : undefined)?.mechanism);
  if (!mechanism) return [];
  const handled = typeof mechanism.handled === 'boolean' ? (mechanism.handled ? 'yes' : 'no') : undefined;
  return [
    ['handled', handled],
    ['mechanism', mechanism.type],
  ];
}

/**
 * One line, trimmed, at most MAX_TAG_VALUE_CHARS: a whitespace run holding a line break becomes
 * one space. One pass that stops once the tag is full, so a 1 MB value costs no more than a short one.
 */
export function tagValue(value: string): string {
  let out = '';
  let i = 0;
  while (i < value.length && isBlank(value.charCodeAt(i))) i++; // leading blanks: trimmed
  while (i < value.length && out.length < MAX_TAG_VALUE_CHARS) {
    if (!isBlank(value.charCodeAt(i))) {
      out += value[i++];
      continue;
    }
    const start = i;
    let lineBreak = false;
    for (; i < value.length && isBlank(value.charCodeAt(i)); i++)
      lineBreak ||= value.charCodeAt(i) === 10 || value.charCodeAt(i) === 13;
    if (i === value.length) break; // trailing blanks: trimmed
    out += lineBreak ? ' ' : value.slice(start, Math.min(i, start + MAX_TAG_VALUE_CHARS));
  }
  return out.slice(0, MAX_TAG_VALUE_CHARS);
}

/** JavaScript's `\s` (what String.prototype.trim removes). */
function isBlank(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
