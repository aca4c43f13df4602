// The one caller of fetch: typed functions for the /api/0/ endpoints the UI uses. Errors throw
// ApiError carrying the server's `code`; writes send the session's CSRF token.
import { parseLinkHeader, type PageLinks } from './link.js';
import type * as T from './types.js';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
  ) {
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
  const body = (await res.json().catch(() => null)) as {
    error?: { code?: string; message?: string };
    detail?: string;
  } | null;
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
  return {
    items: (await res.json()) as R[],
    links: parseLinkHeader(res.headers.get('Link')),
    hits: header('X-Hits'),
    maxHits: header('X-Max-Hits'),
  };
}

const e = encodeURIComponent;

// Accounts and session
export const getSession = () => json<T.ApiSession>('GET', '/auth/');
export const login = (email: string, password: string) =>
  json<T.ApiSession>('POST', '/auth/login/', { body: { email, password } });
/** Ends the session; after an SSO login it may name the provider's logout page to visit next. */
export const logout = () => json<T.ApiLogout | undefined>('DELETE', '/auth/');
export const getAuthConfig = (org: string | null) =>
  json<T.ApiAuthConfig>('GET', '/auth/config/', { query: { org: org ?? undefined } });
/** Where the SSO button goes: a full-page navigation to the server, which redirects to the provider. */
export const ssoLoginUrl = (next: string) => url('/auth/oidc/login/', { next: next === '/' ? undefined : next });
export const getAuthPolicy = (org: string) => json<T.ApiAuthPolicy>('GET', `/organizations/${e(org)}/auth-policy/`);
export const setPasswordLogin = (org: string, passwordLogin: boolean) =>
  json<T.ApiAuthPolicy>('PUT', `/organizations/${e(org)}/auth-policy/`, { body: { passwordLogin } });
export const listAccessRequests = (org: string) =>
  json<T.ApiAccessRequest[]>('GET', `/organizations/${e(org)}/access-requests/`);
export const acceptAccessRequest = (org: string, userId: string, role: 'owner' | 'admin' | 'member') =>
  json<T.ApiAccessRequestAccepted>('POST', `/organizations/${e(org)}/access-requests/${e(userId)}/`, {
    body: { role },
  });
export const declineAccessRequest = (org: string, userId: string) =>
  json<void>('DELETE', `/organizations/${e(org)}/access-requests/${e(userId)}/`);
export const listApiTokens = () => json<T.ApiToken[]>('GET', '/api-tokens/');
export const createApiToken = (name: string, scopes: string[]) =>
  json<T.ApiTokenCreated>('POST', '/api-tokens/', { body: { name, scopes } });
export const revokeApiToken = (id: string) => json<void>('DELETE', `/api-tokens/${e(id)}/`);

// Projects
export const listProjects = (org: string) => json<T.ApiProject[]>('GET', `/organizations/${e(org)}/projects/`);
export const getProject = (org: string, project: string) =>
  json<T.ApiProject>('GET', `/projects/${e(org)}/${e(project)}/`);
export const updateProject = (org: string, project: string, body: { allowedDomains?: string[] }) =>
  json<T.ApiProject>('PUT', `/projects/${e(org)}/${e(project)}/`, { body });
export const listKeys = (org: string, project: string) =>
  json<T.ApiProjectKey[]>('GET', `/projects/${e(org)}/${e(project)}/keys/`);
export const createKey = (org: string, project: string, name: string) =>
  json<T.ApiProjectKey>('POST', `/projects/${e(org)}/${e(project)}/keys/`, { body: { name } });
export const updateKey = (
  org: string,
  project: string,
  keyId: string,
  body: { isActive?: boolean; name?: string; rateLimit?: { count: number; window: number } | null },
) => json<T.ApiProjectKey>('PUT', `/projects/${e(org)}/${e(project)}/keys/${e(keyId)}/`, { body });
export const listFilters = (org: string, project: string) =>
  json<T.ApiInboundFilter[]>('GET', `/projects/${e(org)}/${e(project)}/filters/`);
export const updateFilter = (
  org: string,
  project: string,
  id: string,
  body: { active?: boolean; patterns?: string[] },
) => json<void>('PUT', `/projects/${e(org)}/${e(project)}/filters/${e(id)}/`, { body });
export const listAlertRules = (org: string, project: string) =>
  json<T.ApiAlertRule[]>('GET', `/projects/${e(org)}/${e(project)}/alert-rules/`);

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
  page<T.ApiIssue>(`/organizations/${e(org)}/issues/`, {
    query: a.query,
    sort: a.sort,
    project: a.project,
    cursor: a.cursor,
    limit: a.limit,
  });
export const getIssue = (org: string, id: string) =>
  json<T.ApiIssueDetails>('GET', `/organizations/${e(org)}/issues/${e(id)}/`);
export const getIssueStats = (org: string, id: string, statsPeriod: '24h' | '30d') =>
  json<T.ApiIssue>('GET', `/organizations/${e(org)}/issues/${e(id)}/`, { query: { statsPeriod } });
export const getLatestEvent = (org: string, id: string) =>
  json<T.ApiEvent>('GET', `/organizations/${e(org)}/issues/${e(id)}/events/latest/`);
export const getEvent = (org: string, id: string, eventId: string) =>
  json<T.ApiEvent>('GET', `/organizations/${e(org)}/issues/${e(id)}/events/${e(eventId)}/`);
export const getIssueFeedback = (org: string, id: string) =>
  json<T.ApiUserFeedback[]>('GET', `/organizations/${e(org)}/issues/${e(id)}/user-reports/`);
export const listProjectFeedback = (org: string, project: string) =>
  json<T.ApiUserFeedback[]>('GET', `/projects/${e(org)}/${e(project)}/user-feedback/`);
export const listMonitors = (org: string) => json<T.ApiMonitor[]>('GET', `/organizations/${e(org)}/monitors/`);
export const listMonitorCheckIns = (org: string, slug: string, limit = 60) =>
  json<T.ApiMonitorCheckIn[]>('GET', `/organizations/${e(org)}/monitors/${e(slug)}/checkins/`, { query: { limit } });
export const getIssueSampling = (org: string, id: string) =>
  json<T.ApiIssueSampling>('GET', `/organizations/${e(org)}/issues/${e(id)}/sampling/`);
export const listIssueHashes = (org: string, id: string) =>
  json<T.ApiIssueHash[]>('GET', `/organizations/${e(org)}/issues/${e(id)}/hashes/`);
export const unmergeHashes = (org: string, id: string, hashes: string[]) =>
  json<T.ApiUnmerge>('PUT', `/organizations/${e(org)}/issues/${e(id)}/hashes/`, { query: { id: hashes } });
export const listUnmerges = (org: string, id: string) =>
  json<T.ApiUnmerge[]>('GET', `/organizations/${e(org)}/issues/${e(id)}/unmerges/`);
export const getIssueTags = (org: string, id: string) =>
  json<T.ApiTagDistribution[]>('GET', `/organizations/${e(org)}/issues/${e(id)}/tags/`);
export interface IssueUpdate {
  status?: T.IssueStatus;
  statusDetails?: Record<string, unknown>;
  assignedTo?: string | null;
  merge?: 1;
}
export const updateIssue = (org: string, id: string, body: IssueUpdate) =>
  json<T.ApiIssue>('PUT', `/organizations/${e(org)}/issues/${e(id)}/`, { body });
export const bulkUpdateIssues = (org: string, ids: string[], body: IssueUpdate) =>
  json<T.ApiIssueBulkUpdate>('PUT', `/organizations/${e(org)}/issues/`, { query: { id: ids }, body });

// Members and invitations
export const listMembers = (org: string) => json<T.ApiMember[]>('GET', `/organizations/${e(org)}/members/`);
export const updateMember = (org: string, id: string, role: T.MemberRole) =>
  json<T.ApiMember>('PUT', `/organizations/${e(org)}/members/${e(id)}/`, { body: { role } });
export const removeMember = (org: string, id: string) =>
  json<void>('DELETE', `/organizations/${e(org)}/members/${e(id)}/`);
export const listInvitations = (org: string) => json<T.ApiInvitation[]>('GET', `/organizations/${e(org)}/invitations/`);
export const createInvitation = (org: string, body: { email?: string; role: T.MemberRole }) =>
  json<T.ApiInvitation>('POST', `/organizations/${e(org)}/invitations/`, { body });
export const revokeInvitation = (org: string, id: string) =>
  json<void>('DELETE', `/organizations/${e(org)}/invitations/${e(id)}/`);
export const getInvitation = (token: string) => json<T.ApiInvitationPreview>('GET', `/invitations/${e(token)}/`);
export const acceptInvitation = (token: string, body: { name?: string; email?: string; password?: string }) =>
  json<T.ApiInvitationAccepted>('POST', `/invitations/${e(token)}/accept/`, { body });

// Releases and deploys
export const listReleases = (org: string, query?: string) =>
  page<T.ApiReleaseListItem>(`/organizations/${e(org)}/releases/`, { query, health: '1' });
export const getRelease = (org: string, version: string) =>
  json<T.ApiReleaseListItem>('GET', `/organizations/${e(org)}/releases/${e(version)}/`, { query: { health: '1' } });
/** Sentry's sessions API: one release's sessions by status over [start, end). */
export const getReleaseSessions = (org: string, version: string, a: { start: string; end: string; interval: string }) =>
  json<T.ApiSessions>('GET', `/organizations/${e(org)}/sessions/`, {
    query: {
      field: ['sum(session)'],
      groupBy: ['session.status'],
      query: `release:"${version.replace(/"/g, '')}"`,
      start: a.start,
      end: a.end,
      interval: a.interval,
    },
  });
export const listDeploys = (org: string, version: string) =>
  json<T.ApiDeploy[]>('GET', `/organizations/${e(org)}/releases/${e(version)}/deploys/`);
export const getDeployHealth = (org: string, version: string, id: string) =>
  json<T.ApiDeployHealth>('GET', `/organizations/${e(org)}/releases/${e(version)}/deploys/${e(id)}/health/`);

/** The live stream URL (consumed by realtime.svelte.ts through EventSource, not fetch). */
// Feature flags
export const getIssueFlags = (org: string, id: string) =>
  json<T.ApiIssueFlags>('GET', `/organizations/${e(org)}/issues/${e(id)}/flags/`);
export const getSuspectFlags = (org: string, id: string) =>
  json<T.ApiFlagList<T.ApiSuspectFlag>>('GET', `/organizations/${e(org)}/issues/${e(id)}/suspect/flags/`);
export const listFlagLogs = (org: string, q: { start?: string; end?: string; flag?: string[]; limit?: number } = {}) =>
  json<T.ApiFlagList<T.ApiFlagLog>>('GET', `/organizations/${e(org)}/flags/logs/`, {
    query: { start: q.start, end: q.end, flag: q.flag, limit: q.limit },
  });
export const getFlagChangeHealth = (org: string, id: string) =>
  json<T.ApiFlagChangeHealth>('GET', `/organizations/${e(org)}/flags/logs/${e(id)}/health/`);
export const listSigningSecrets = (org: string) =>
  json<T.ApiFlagList<T.ApiSigningSecret>>('GET', `/organizations/${e(org)}/flags/signing-secrets/`);
export const setSigningSecret = (org: string, secret: string) =>
  json<T.ApiSigningSecret>('POST', `/organizations/${e(org)}/flags/signing-secrets/`, {
    body: { provider: 'generic', secret },
  });
export const deleteSigningSecret = (org: string, id: string) =>
  json<void>('DELETE', `/organizations/${e(org)}/flags/signing-secrets/${e(id)}/`);

export function streamUrl(
  org: string,
  filter: { project?: string[]; environment?: string[]; release?: string[]; level?: string[] },
  lastEventId?: string,
): string {
  return url(`/organizations/${e(org)}/stream/`, { ...filter, lastEventId });
}

// Commits, suspect commits and source links (issue 15).
export const getCommitters = (org: string, project: string, eventId: string) =>
  json<T.ApiEventCommitters>('GET', `/projects/${e(org)}/${e(project)}/events/${e(eventId)}/committers/`);
export const getSourceLinks = (org: string, project: string, eventId: string) =>
  json<T.ApiSourceLinks>('GET', `/projects/${e(org)}/${e(project)}/events/${e(eventId)}/source-links/`);
export const getDeployCommits = (org: string, version: string, deployId: string) =>
  json<T.ApiCommit[]>('GET', `/organizations/${e(org)}/releases/${e(version)}/deploys/${e(deployId)}/commits/`);

export const listTeams = (org: string) => json<T.ApiTeam[]>('GET', `/organizations/${e(org)}/teams/`);
export const createTeam = (org: string, name: string) =>
  json<T.ApiTeam>('POST', `/organizations/${e(org)}/teams/`, { body: { name } });
export const addTeamMember = (org: string, team: string, member: string) =>
  json<T.ApiTeam>('POST', `/organizations/${e(org)}/members/${e(member)}/teams/${e(team)}/`);
export const getOwnership = (org: string, project: string) =>
  json<T.ApiOwnership>('GET', `/projects/${e(org)}/${e(project)}/ownership/`);
export const updateOwnership = (org: string, project: string, body: Partial<T.ApiOwnership>) =>
  json<T.ApiOwnership>('PUT', `/projects/${e(org)}/${e(project)}/ownership/`, { body });
