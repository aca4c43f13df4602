// Sentry's Link header cursor pagination: `<url>; rel="next"; results="true"; cursor="…"`. Pure.

export interface PageLinks {
  next: string | null;
  previous: string | null;
}

export function parseLinkHeader(header: string | null): PageLinks {
  const out: PageLinks = { next: null, previous: null };
  if (!header) return out;
  for (const part of header.split(/,(?=\s*<)/)) {
    const attrs: Record<string, string> = {};
    for (const m of part.matchAll(/;\s*([a-z]+)="([^"]*)"/g)) attrs[m[1]!] = m[2]!;
    const rel = attrs.rel;
    if ((rel !== 'next' && rel !== 'previous') || attrs.results !== 'true' || !attrs.cursor) continue;
    out[rel] = attrs.cursor;
  }
  return out;
}
