// Stage "tag": the tags an event is counted under — the ones Sentry derives from the event
// (level, release, environment, user, browser/os/runtime, url, …) followed by the event's own.
// Pure. A derived tag wins over an own tag with the same key.
import type { NormalizedEvent } from '../shared/protocol/event.js';
import { MAX_TAG_VALUE_CHARS } from '../shared/normalize-values.js';

/** The tag value that identifies the event's user (also events.user_key), or undefined. */
export function userTagValue(event: NormalizedEvent): string | undefined {
  const u = event.user;
  if (!u) return undefined;
  if (u.id) return `id:${u.id}`;
  if (u.email) return `email:${u.email}`;
  if (u.username) return `username:${u.username}`;
  if (u.ip_address) return `ip:${u.ip_address}`;
  return undefined;
}

export function eventTags(event: NormalizedEvent): Array<[string, string]> {
  const derived: Array<[string, string | undefined]> = [
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
    ['url', typeof event.request?.url === 'string' ? event.request.url : undefined],
    ...mechanismTags(event),
  ];
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [key, raw] of derived) {
    const value = raw === undefined ? undefined : tagValue(raw);
    if (!value || seen.has(key)) continue;
    seen.add(key);
    out.push([key, value]);
  }
  for (const [key, value] of event.tags) {
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([key, value]);
  }
  return out;
}

/** `browser` = "Chrome 120.0", `browser.name` = "Chrome"; same for os and runtime. */
function contextTags(event: NormalizedEvent, name: 'browser' | 'os' | 'runtime'): Array<[string, string | undefined]> {
  const ctxName = contextString(event, name, 'name');
  const version = contextString(event, name, 'version');
  const full = ctxName ? (version ? `${ctxName} ${version}` : ctxName) : undefined;
  return [[name, full], [`${name}.name`, ctxName]];
}

function contextString(event: NormalizedEvent, ctx: string, field: string): string | undefined {
  const v = event.contexts?.[ctx]?.[field];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

// Sentry tags the raised exception's mechanism: handled yes/no and the mechanism type.
function mechanismTags(event: NormalizedEvent): Array<[string, string | undefined]> {
  const mechanism = event.exception?.values.at(-1)?.mechanism;
  if (!mechanism) return [];
  const handled = typeof mechanism.handled === 'boolean' ? (mechanism.handled ? 'yes' : 'no') : undefined;
  return [['handled', handled], ['mechanism', mechanism.type]];
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
    for (; i < value.length && isBlank(value.charCodeAt(i)); i++) lineBreak ||= value.charCodeAt(i) === 10 || value.charCodeAt(i) === 13;
    if (i === value.length) break; // trailing blanks: trimmed
    out += lineBreak ? ' ' : value.slice(start, Math.min(i, start + MAX_TAG_VALUE_CHARS));
  }
  return out.slice(0, MAX_TAG_VALUE_CHARS);
}

/** JavaScript's `\s` (what String.prototype.trim removes). */
function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
