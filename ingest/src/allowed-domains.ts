// A project's allowed domains (Sentry's project option, checked by Relay before anything else
// of a browser request): the Origin, else Referer, must match one pattern. Patterns, as Sentry
// documents them: `*` (anything), `example.com` (that host), `*.example.com` (the host and its
// subdomains), optionally with a scheme (`https://example.com`) and a port (`example.com:8080`,
// `*:80`). A request without an origin (a server SDK) is always allowed. Pure.

interface Pattern {
  scheme: string | null;
  host: string; // '*' for any; '*.x' for x and its subdomains
  port: string | null;
}

const PATTERN_RE = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/:]+)(?::(\d+|\*))?\/?$/i;

function parsePattern(raw: string): Pattern | null {
  const m = PATTERN_RE.exec(raw.trim().toLowerCase());
  if (!m) return null;
  return { scheme: m[1] ?? null, host: m[2]!, port: m[3] === undefined || m[3] === '*' ? null : m[3] };
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) {
    const base = pattern.slice(2);
    return host === base || host.endsWith(`.${base}`);
  }
  return host === pattern;
}

export function isAllowedOrigin(origin: string | undefined, patterns: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (patterns.some((p) => p.trim() === '*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const scheme = url.protocol.slice(0, -1);
  const port = url.port || (scheme === 'https' ? '443' : scheme === 'http' ? '80' : '');
  return patterns.some((raw) => {
    const p = parsePattern(raw);
    return (
      p !== null &&
      (p.scheme === null || p.scheme === scheme) &&
      (p.port === null || p.port === port) &&
      hostMatches(p.host, url.hostname.toLowerCase())
    );
  });
}
