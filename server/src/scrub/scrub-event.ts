// Scrubs a normalized event in place, before it is fingerprinted, tagged or stored (stage
// "scrub", pipeline/scrub.ts): values under sensitive keys anywhere in the event (request data,
// headers, cookies, query, env, extra, contexts, breadcrumbs, frame vars, tags, user data) become
// [Filtered], every other string is cleaned of secret-looking patterns (patterns.ts), and the
// IP-address option drops the client's address. A frame's source code is held out, as Relay
// does. Pure.
import type { NormalizedEvent } from '../shared/protocol/event.js';
import { isCardNumber, scrubString } from './patterns.js';
import { classifyKey, FILTERED, IP_HEADERS, type ScrubRules } from './rules.js';

/** Identifiers the pipeline keys on (ids, release, environment) and SDK metadata: never altered. */
const UNTOUCHED_KEYS = new Set([
  'event_id',
  'timestamp',
  'received',
  'platform',
  'level',
  'type',
  'release',
  'dist',
  'environment',
  'sdk',
  'debug_meta',
  'modules',
  'logger',
]);
const MAX_DEPTH = 64; // ingest bounds JSON depth far below this; deeper values are filtered whole

export function scrubEvent(event: NormalizedEvent, rules: ScrubRules): NormalizedEvent {
  if (rules.scrubIpAddresses) dropIpAddresses(event);
  if (!rules.enabled) return event;
  const restoreSourceContext = holdSourceContext(event);
  for (const key of Object.keys(event)) {
    if (UNTOUCHED_KEYS.has(key)) continue;
    const c = classifyKey(key, rules);
    if (c !== 'safe') event[key] = c === 'sensitive' ? filterAll(event[key]) : scrubValue(event[key], rules, 0);
  }
  restoreSourceContext();
  return event;
}

/**
 * A frame's source code is not PII in Relay (pre_context / context_line / post_context carry
 * `pii = "false"`; frame `vars` do): scrubbing it would show a line the file does not have. Held
 * out by position, not by key name, so a `context_line` key in extra or contexts is still scrubbed.
 */
const SOURCE_CONTEXT_KEYS = ['pre_context', 'context_line', 'post_context'] as const;

function holdSourceContext(event: NormalizedEvent): () => void {
  const held: Array<[Record<string, unknown>, string, unknown]> = [];
  const stacks = [
    ...(event.exception?.values ?? []).map((v) => v.stacktrace),
    ...(event.threads?.values ?? []).map((v) => v.stacktrace),
    event.stacktrace,
  ];
  for (const stack of stacks) {
    for (const frame of (stack?.frames ?? []) as Array<Record<string, unknown>>) {
      for (const key of SOURCE_CONTEXT_KEYS) {
        if (!(key in frame)) continue;
        held.push([frame, key, frame[key]]);
        frame[key] = undefined; // not `delete`: the frame keeps its shape (fast properties) and key order
      }
    }
  }
  return () => held.forEach(([frame, key, value]) => (frame[key] = value));
}

function scrubValue(value: unknown, rules: ScrubRules, depth: number): unknown {
  if (typeof value === 'string') return scrubString(value, rules);
  if (typeof value === 'number') return rules.useDefaults && isCardNumber(value) ? FILTERED : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return filterAll(value);
  if (Array.isArray(value)) {
    if (isPairList(value)) {
      for (const pair of value) pair[1] = scrubEntry(pair[0], pair[1], rules, depth);
    } else {
      for (let i = 0; i < value.length; i++) value[i] = scrubValue(value[i], rules, depth + 1);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = scrubEntry(key, record[key], rules, depth);
  return record;
}

function scrubEntry(key: string, value: unknown, rules: ScrubRules, depth: number): unknown {
  const c = classifyKey(key, rules);
  if (c === 'safe') return value;
  return c === 'sensitive' ? filterAll(value) : scrubValue(value, rules, depth + 1);
}

/** Everything below a sensitive key: strings and numbers become [Filtered], keys and shape stay. */
function filterAll(value: unknown): unknown {
  if (typeof value === 'string') return value === '' ? value : FILTERED;
  if (typeof value === 'number') return FILTERED;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return isPairList(value) ? value.map(([k, v]) => [k, filterAll(v)]) : value.map(filterAll);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, filterAll(v)]));
}

/** Headers, cookies, query strings and tags travel as [key, value] pairs. */
function isPairList(value: unknown[]): value is Array<[string, unknown]> {
  return value.length > 0 && value.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string');
}

function dropIpAddresses(event: NormalizedEvent): void {
  if (event.user) delete event.user.ip_address;
  const request = event.request;
  if (!request) return;
  const env = request.env;
  if (env && typeof env === 'object' && !Array.isArray(env)) delete (env as Record<string, unknown>).REMOTE_ADDR;
  if (Array.isArray(request.headers) && isPairList(request.headers)) {
    request.headers = request.headers.filter(([k]) => !IP_HEADERS.includes(k.toLowerCase()));
  }
}
