// The one caller of fetch: typed functions for the /api/0/ endpoints the UI uses. Errors throw
// ApiError carrying the server's `code`; writes send the session's CSRF token.
import { parseLinkHeader, type PageLinks } from './link.js';
import type * as T from './types.js';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(public readonly status: number, public readonly code: string, message: string) {
    super(message);
  }
}

let csrfToken = '';
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

type Query = Record<string, string | string[] | number | undefined>;

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === '') continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  const qs = params.toString();
  return `/api/0${path}${qs ? `?${qs}` : ''}`;
}

async function send(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(url(path, opts.query), {
    method,
    headers,
    credentials: 'same-origin',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (!res.ok) throw await toError(res);
  return res;
}

async function toError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string }; detail?: string } | null;
  const code = body?.error?.code ?? `http-${res.status}`;
  const message = body?.error?.message ?? body?.detail ?? res.statusText;
  return new ApiError(res.status, code, message || `request failed (${res.status})`);
}

async function json<R>(method: string, path: string, opts?: { query?: Query; body?: unknown }): Promise<R> {
  const res = await send(method, path, opts);
  return res.status === 204 ? (undefined as R) : ((await res.json()) as R);
}

export interface Page<R> {
  items: R[];
  links: PageLinks;
  /** X-Hits when the server sends it: the match count, counted up to maxHits. */
  hits: number | null;
  /** X-Max-Hits: when hits reaches it, there are at least that many. */
  maxHits: number | null;
}

async function page<R>(path: string, query?: Query): Promise<Page<R>> {
  const res = await send('GET', path, { query });
  const header = (name: string) => {
    const v = res.headers.get(name);
    return v ? Number(v) : null;
  };
  return { items: (await res.json()) as R[], links: parseLinkHeader(res.headers.get('Link')), hits: header('X-Hits'), maxHits: header('X-Max-Hits') };
}

const e = encodeURIComponent;

// Accounts and session
export const getSession = () => json<T.ApiSession>('GET', '/auth/');
export const login = (email: string, password: string) => json<T.ApiSession>('POST', '/auth/login/', { body: { email, password } });
export const logout = () => json<void>('DELETE', '/auth/');
export const listApiTokens = () => json<T.ApiToken[]>('GET', '/api-tokens/');
export const createApiToken = (name: string, scopes: string[]) => json<T.ApiTokenCreated>('POST', '/api-tokens/', { body: { name, scopes } });
export const revokeApiToken = (id: string) => json<void>('DELETE', `/api-tokens/${e(id)}/`);

// Projects
export const listProjects = (org: string) => json<T.ApiProject[]>('GET', `/organizations/${e(org)}/projects/`);
export const getProject = (org: string, project: string) => json<T.ApiProject>('GET', `/projects/${e(org)}/${e(project)}/`);
export const updateProject = (org: string, project: string, body: { allowedDomains?: string[] }) =>
  json<T.ApiProject>('PUT', `/projects/${e(org)}/${e(project)}/`, { body });
export const listKeys = (org: string, project: string) => json<T.ApiProjectKey[]>('GET', `/projects/${e(org)}/${e(project)}/keys/`);
export const createKey = (org: string, project: string, name: string) =>
  json<T.ApiProjectKey>('POST', `/projects/${e(org)}/${e(project)}/keys/`, { body: { name } });
export const updateKey = (org: string, project: string, keyId: string, body: { isActive?: boolean; name?: string; rateLimit?: { count: number; window: number } | null }) =>
  json<T.ApiProjectKey>('PUT', `/projects/${e(org)}/${e(project)}/keys/${e(keyId)}/`, { body });
export const listFilters = (org: string, project: string) => json<T.ApiInboundFilter[]>('GET', `/projects/${e(org)}/${e(project)}/filters/`);
export const updateFilter = (org: string, project: string, id: string, body: { active?: boolean; patterns?: string[] }) =>
  json<void>('PUT', `/projects/${e(org)}/${e(project)}/filters/${e(id)}/`, { body });
export const listAlertRules = (org: string, project: string) => json<T.ApiAlertRule[]>('GET', `/projects/${e(org)}/${e(project)}/alert-rules/`);

// Issues and events
export interface IssueListArgs {
  query: string;
  sort: string;
  project?: string[];
  cursor?: string;
  limit?: number;
}
export const listIssues = (org: string, a: IssueListArgs) =>
  // No statsPeriod: the server then attaches 24h stats without limiting the list to 24 hours.
  page<T.ApiIssue>(`/organizations/${e(org)}/issues/`, { query: a.query, sort: a.sort, project: a.project, cursor: a.cursor, limit: a.limit });
export const getIssue = (org: string, id: string) => json<T.ApiIssueDetails>('GET', `/organizations/${e(org)}/issues/${e(id)}/`);
export const getIssueStats = (org: string, id: string, statsPeriod: '24h' | '30d') =>
  json<T.ApiIssue>('GET', `/organizations/${e(org)}/issues/${e(id)}/`, { query: { statsPeriod } });
export const getLatestEvent = (org: string, id: string) => json<T.ApiEvent>('GET', `/organizations/${e(org)}/issues/${e(id)}/events/latest/`);
export const getEvent = (org: string, id: string, eventId: string) => json<T.ApiEvent>('GET', `/organizations/${e(org)}/issues/${e(id)}/events/${e(eventId)}/`);
export const getIssueSampling = (org: string, id: string) => json<T.ApiIssueSampling>('GET', `/organizations/${e(org)}/issues/${e(id)}/sampling/`);
export const listIssueHashes = (org: string, id: string) => json<T.ApiIssueHash[]>('GET', `/organizations/${e(org)}/issues/${e(id)}/hashes/`);
export const unmergeHashes = (org: string, id: string, hashes: string[]) =>
  json<T.ApiUnmerge>('PUT', `/organizations/${e(org)}/issues/${e(id)}/hashes/`, { query: { id: hashes } });
export const listUnmerges = (org: string, id: string) => json<T.ApiUnmerge[]>('GET', `/organizations/${e(org)}/issues/${e(id)}/unmerges/`);
export const getIssueTags = (org: string, id: string) => json<T.ApiTagDistribution[]>('GET', `/organizations/${e(org)}/issues/${e(id)}/tags/`);
export interface IssueUpdate {
  status?: T.IssueStatus;
  statusDetails?: Record<string, unknown>;
  assignedTo?: string | null;
  merge?: 1;
}
export const updateIssue = (org: string, id: string, body: IssueUpdate) => json<T.ApiIssue>('PUT', `/organizations/${e(org)}/issues/${e(id)}/`, { body });
export const bulkUpdateIssues = (org: string, ids: string[], body: IssueUpdate) =>
  json<Record<string, unknown>>('PUT', `/organizations/${e(org)}/issues/`, { query: { id: ids }, body });

// Members and invitations
export const listMembers = (org: string) => json<T.ApiMember[]>('GET', `/organizations/${e(org)}/members/`);
export const updateMember = (org: string, id: string, role: T.MemberRole) => json<T.ApiMember>('PUT', `/organizations/${e(org)}/members/${e(id)}/`, { body: { role } });
export const removeMember = (org: string, id: string) => json<void>('DELETE', `/organizations/${e(org)}/members/${e(id)}/`);
export const listInvitations = (org: string) => json<T.ApiInvitation[]>('GET', `/organizations/${e(org)}/invitations/`);
export const createInvitation = (org: string, body: { email?: string; role: T.MemberRole }) =>
  json<T.ApiInvitation>('POST', `/organizations/${e(org)}/invitations/`, { body });
export const revokeInvitation = (org: string, id: string) => json<void>('DELETE', `/organizations/${e(org)}/invitations/${e(id)}/`);
export const getInvitation = (token: string) => json<T.ApiInvitationPreview>('GET', `/invitations/${e(token)}/`);
export const acceptInvitation = (token: string, body: { name?: string; email?: string; password?: string }) =>
  json<{ organization: { slug: string } }>('POST', `/invitations/${e(token)}/accept/`, { body });

// Releases and deploys
export const listReleases = (org: string, query?: string) => page<T.ApiReleaseListItem>(`/organizations/${e(org)}/releases/`, { query });
export const getRelease = (org: string, version: string) => json<T.ApiReleaseListItem>('GET', `/organizations/${e(org)}/releases/${e(version)}/`);
export const listDeploys = (org: string, version: string) => json<T.ApiDeploy[]>('GET', `/organizations/${e(org)}/releases/${e(version)}/deploys/`);
export const getDeployHealth = (org: string, version: string, id: string) =>
  json<T.ApiDeployHealth>('GET', `/organizations/${e(org)}/releases/${e(version)}/deploys/${e(id)}/health/`);

/** The live stream URL (consumed by realtime.svelte.ts through EventSource, not fetch). */
export function streamUrl(org: string, filter: { project?: string[]; environment?: string[]; release?: string[]; level?: string[] }, lastEventId?: string): string {
  return url(`/organizations/${e(org)}/stream/`, { ...filter, lastEventId });
}
