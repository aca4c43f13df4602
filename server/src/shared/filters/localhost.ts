// Filter "localhost": events whose user IP is a loopback address, whose page is a file:// URL or
// a localhost (sub)domain, or — without a URL — whose Host header names localhost (Relay
// `localhost.rs`). Server SDKs report the incoming request, so a dev server counts too.
import { requestHeader, text } from './event-fields.js';
import type { InboundFilter } from './settings.js';

const LOCAL_IPS = new Set(['127.0.0.1', '::1']);
const LOCAL_DOMAINS = ['127.0.0.1', 'localhost'];

export const localhost: InboundFilter = (event, settings) => {
  if (!settings.localhost) return null;
  return isLocal(event) ? 'localhost' : null;
};

function isLocal(event: Parameters<InboundFilter>[0]): boolean {
  const ip = text(event.user?.ip_address);
  if (ip !== undefined && LOCAL_IPS.has(ip)) return true;
  const url = parseUrl(text(event.request?.url));
  if (url) {
    if (url.protocol === 'file:') return true;
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (LOCAL_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`)) || LOCAL_IPS.has(host)) return true;
  }
  const forwardedFor = requestHeader(event, 'x-forwarded-for');
  if (forwardedFor !== undefined && LOCAL_IPS.has(forwardedFor.trim())) return true;
  if (event.request?.url === undefined) {
    for (const name of ['host', 'x-forwarded-host']) {
      const domain = requestHeader(event, name)?.split(':')[0]?.toLowerCase();
      if (domain !== undefined && LOCAL_DOMAINS.includes(domain)) return true;
    }
  }
  return false;
}

function parseUrl(s: string | undefined): URL | null {
  if (s === undefined) return null;
  try {
    return new URL(s);
  } catch {
    return null;
  }
}
