// Client-side routes: path patterns → route names and params, and the reverse (hrefs). Pure.
// Paths follow Sentry's web UI (/organizations/:org/issues/…) so links feel familiar.

export type RouteName =
  | 'login'
  | 'invite'
  | 'home'
  | 'issues'
  | 'issue'
  | 'stream'
  | 'releases'
  | 'release'
  | 'deploy'
  | 'monitors'
  | 'flagChange'
  | 'orgSettings'
  | 'projectSettings'
  | 'account'
  | 'notFound';

export interface Route {
  name: RouteName;
  params: Record<string, string>;
}

const PATTERNS: Array<[RouteName, string]> = [
  ['login', '/login/'],
  ['invite', '/accept-invite/:token/'],
  ['home', '/'],
  ['account', '/settings/account/'],
  ['issues', '/organizations/:org/issues/'],
  ['issue', '/organizations/:org/issues/:issueId/'],
  ['issue', '/organizations/:org/issues/:issueId/events/:eventId/'],
  ['stream', '/organizations/:org/stream/'],
  ['releases', '/organizations/:org/releases/'],
  ['release', '/organizations/:org/releases/:version/'],
  ['deploy', '/organizations/:org/releases/:version/deploys/:deployId/'],
  ['monitors', '/organizations/:org/crons/'],
  ['flagChange', '/organizations/:org/flags/changes/:changeId/'],
  ['orgSettings', '/settings/:org/'],
  ['projectSettings', '/settings/:org/projects/:project/'],
];

function compile(pattern: string): { re: RegExp; keys: string[] } {
  const keys: string[] = [];
  const body = pattern
    .split('/')
    .map((seg) => {
      if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(seg.slice(1));
      return '([^/]+)';
    })
    .join('/');
  // Trailing slash optional, like Sentry's URLs.
  return { re: new RegExp(`^${body.replace(/\/$/, '')}/?$`), keys };
}

const COMPILED = PATTERNS.map(([name, p]) => ({ name, ...compile(p) }));

export function matchRoute(pathname: string): Route {
  for (const c of COMPILED) {
    const m = c.re.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    c.keys.forEach((k, i) => {
      params[k] = safeDecode(m[i + 1] ?? '');
    });
    return { name: c.name, params };
  }
  return { name: 'notFound', params: {} };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a malformed escape stays as typed; the page then shows "not found"
  }
}

const enc = encodeURIComponent;

export const href = {
  login: (next?: string) => `/login/${next ? `?next=${enc(next)}` : ''}`,
  issues: (org: string, query?: Record<string, string>) => withQuery(`/organizations/${enc(org)}/issues/`, query),
  issue: (org: string, issueId: string, eventId?: string) =>
    `/organizations/${enc(org)}/issues/${enc(issueId)}/${eventId ? `events/${enc(eventId)}/` : ''}`,
  stream: (org: string) => `/organizations/${enc(org)}/stream/`,
  releases: (org: string) => `/organizations/${enc(org)}/releases/`,
  release: (org: string, version: string) => `/organizations/${enc(org)}/releases/${enc(version)}/`,
  deploy: (org: string, version: string, id: string) =>
    `/organizations/${enc(org)}/releases/${enc(version)}/deploys/${enc(id)}/`,
  monitors: (org: string) => `/organizations/${enc(org)}/crons/`,
  flagChange: (org: string, id: string) => `/organizations/${enc(org)}/flags/changes/${enc(id)}/`,
  orgSettings: (org: string) => `/settings/${enc(org)}/`,
  projectSettings: (org: string, project: string) => `/settings/${enc(org)}/projects/${enc(project)}/`,
  account: () => '/settings/account/',
};

export function withQuery(path: string, query?: Record<string, string>): string {
  const entries = Object.entries(query ?? {}).filter(([, v]) => v !== '');
  if (entries.length === 0) return path;
  return `${path}?${new URLSearchParams(entries).toString()}`;
}

/**
 * Only same-origin paths are followed after login (no open redirects): "//host" and "/\\host"
 * are other origins to a browser, and control characters or backslashes can smuggle either.
 */
export function safeNext(next: string | null): string {
  if (!next || next.length > 2048 || !next.startsWith('/') || next.startsWith('//')) return '/';
  return /[\u0000-\u001f\u007f\\]/.test(next) ? '/' : next;
}

/** The organization a path belongs to (/organizations/acme/…, /settings/acme/…), for the login page. */
export function orgOfPath(path: string): string | null {
  const m = /^\/(?:organizations|settings)\/([a-z0-9][a-z0-9_-]{0,49})\//.exec(path);
  return m && m[1] !== 'account' ? m[1]! : null;
}
