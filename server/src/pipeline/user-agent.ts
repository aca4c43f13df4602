// Browser, OS and device contexts from the request's User-Agent, for events whose SDK did not
// send them: browser SDKs never do, and Relay derives them the same way. The `browser`, `os` and
// `device` tags follow from these contexts (events/tags.ts). Parsing uses ua-parser-js; results
// are memoized per User-Agent string, which repeats across the events of an application.
import { LRUCache } from 'lru-cache';
import { UAParser } from 'ua-parser-js';
import type { NormalizedEvent } from '../shared/protocol/event.js';

type Context = Record<string, unknown>;
interface Derived {
  browser?: Context;
  os?: Context;
  device?: Context;
}

const MAX_UA_CHARS = 512; // longer is junk or an attack; the prefix names the browser anyway
const parsed = new LRUCache<string, Derived>({ max: 2_000 });

/** Adds the contexts the event lacks and its User-Agent reveals (in place). */
export function addUserAgentContexts(event: NormalizedEvent): void {
  const ua = userAgentOf(event);
  if (!ua) return;
  const contexts = (event.contexts ??= {});
  const derived = contextsOf(ua);
  for (const name of ['browser', 'os', 'device'] as const) {
    const ctx = derived[name];
    if (ctx && contexts[name] === undefined) contexts[name] = ctx;
  }
  if (Object.keys(contexts).length === 0) delete event.contexts;
}

function userAgentOf(event: NormalizedEvent): string | null {
  const headers = event.request?.headers;
  if (!Array.isArray(headers)) return null;
  for (const pair of headers) {
    if (
      Array.isArray(pair) &&
      typeof pair[0] === 'string' &&
      pair[0].toLowerCase() === 'user-agent' &&
      typeof pair[1] === 'string'
    ) {
      return pair[1].slice(0, MAX_UA_CHARS) || null;
    }
  }
  return null;
}

export function contextsOf(ua: string): Derived {
  let d = parsed.get(ua);
  if (d === undefined) {
    d = parse(ua);
    parsed.set(ua, d);
  }
  return d;
}

function parse(ua: string): Derived {
  const r = new UAParser(ua).getResult();
  const out: Derived = {};
  if (r.browser.name)
    out.browser = {
      type: 'browser',
      name: r.browser.name,
      ...(r.browser.version ? { version: r.browser.version } : {}),
    };
  if (r.os.name) out.os = { type: 'os', name: r.os.name, ...(r.os.version ? { version: r.os.version } : {}) };
  if (r.device.model || r.device.vendor) {
    out.device = {
      type: 'device',
      ...(r.device.model ? { model: r.device.model, family: r.device.model } : {}),
      ...(r.device.vendor ? { brand: r.device.vendor } : {}),
    };
  }
  return out;
}
