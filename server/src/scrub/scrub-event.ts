// Scrubs a normalized event in place, before it is fingerprinted, tagged or stored (stage
// "scrub", pipeline/scrub.ts): values under sensitive keys anywhere in the event (request data,
// headers, cookies, query, env, extra, contexts, breadcrumbs, frame vars, tags, user data) become
// [Filtered], every other string is cleaned of secret-looking patterns (patterns.ts), and the
// IP-address option drops the client's address. Pure.
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
  for (const key of Object.keys(event)) {
    if (UNTOUCHED_KEYS.has(key)) continue;
    const c = classifyKey(key, rules);
    if (c !== 'safe') event[key] = c === 'sensitive' ? filterAll(event[key]) : scrubValue(event[key], rules, 0);
  }
  return event;
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
