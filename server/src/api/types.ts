// JSON shapes of the /api/0/ responses, in Sentry's field names so sentry-cli and existing tools
// work. Shared with the UI (`import type` only). Ids travel as strings, dates as ISO 8601.

export type MemberRole = 'owner' | 'admin' | 'member';
export type IssueStatus = 'unresolved' | 'resolved' | 'ignored';

export interface ApiUser {
  id: string;
  email: string;
  name: string;
  username: string;
  isActive: boolean;
  dateJoined: string;
}

/** GET /api/0/ — what `sentry-cli info` reads. */
export interface ApiRoot {
  version: '0';
  auth: { scopes: string[] } | null;
  user: ApiUser | null;
}

/** GET/POST /api/0/auth/ — the session user and the CSRF token for unsafe requests. */
export interface ApiSession {
  user: ApiUser;
  csrfToken: string;
  organizations: ApiOrganizationSummary[];
}

/** DELETE /api/0/auth/ after an SSO login whose provider offers RP-initiated logout. */
export interface ApiLogout {
  logoutUrl: string;
}

/** GET /api/0/auth/config/: what the login page offers. */
export interface ApiAuthConfig {
  passwordLogin: boolean;
  sso: { label: string } | null;
}

/** GET/PUT /api/0/organizations/{org}/auth-policy/ */
export type ApiAuthPolicy = ApiAuthConfig;

/** GET /api/0/organizations/{org}/access-requests/ rows: SSO users waiting to join. */
export interface ApiAccessRequest {
  userId: string;
  email: string;
  name: string;
  dateCreated: string;
}

/** POST …/access-requests/{userId}/: the request was granted with this role. */
export interface ApiAccessRequestAccepted {
  userId: string;
  role: MemberRole;
}

/** GET /api/0/api-tokens/ rows (Sentry's token serializer); the token itself never appears. */
export interface ApiToken {
  id: string;
  name: string;
  scopes: string[];
  application: null;
  expiresAt: null;
  dateCreated: string;
  lastUsed: string | null;
  /** The last four characters, to tell tokens apart. */
  tokenLastCharacters: string;
}

/** POST /api/0/api-tokens/: the only answer that carries the token. */
export interface ApiTokenCreated extends ApiToken {
  token: string;
}

export interface ApiOrganizationSummary {
  id: string;
  slug: string;
  name: string;
  role: MemberRole;
}

export interface ApiOrganization {
  id: string;
  slug: string;
  name: string;
  dateCreated: string;
  isEarlyAdopter: boolean;
  require2FA: boolean;
  requireEmailVerification: boolean;
  features: string[];
  status: { id: 'active'; name: 'active' };
  avatar: { avatarType: 'letter_avatar'; avatarUuid: null };
  /** The caller's role in this organization. */
  role: MemberRole;
}

export interface ApiProjectRef {
  id: string;
  slug: string;
  name: string;
  platform: string | null;
}

export interface ApiProject extends ApiProjectRef {
  dateCreated: string;
  organization: { id: string; slug: string; name: string };
  team: null;
  teams: [];
  isMember: true;
  hasAccess: true;
  status: 'active';
  shortIdPrefix: string;
  /** Origins browser events may come from; ['*'] allows every origin. */
  allowedDomains: string[];
}

export interface ApiProjectKey {
  id: string;
  name: string;
  label: string;
  public: string;
  secret: string;
  projectId: number;
  isActive: boolean;
  dateCreated: string;
  rateLimit: { count: number; window: number } | null;
  dsn: {
    public: string;
    secret: string;
    security: string;
    minidump: string;
    unreal: string;
    cdn: string;
    csp: string;
  };
  browserSdkVersion: string;
  platform: string | null;
}

export interface ApiRelease {
  version: string;
  shortVersion: string;
  dateCreated: string | null;
  dateReleased: string | null;
}

/** Sentry's statusDetails: which ones are set depends on the status. */
export interface ApiStatusDetails {
  inNextRelease?: boolean;
  inRelease?: string;
  ignoreDuration?: number;
  ignoreUntil?: string;
  ignoreCount?: number;
  ignoreWindow?: number;
  ignoreUserCount?: number;
  ignoreUserWindow?: number;
  actor?: ApiUser | null;
}

/** [unix seconds, count] pairs, oldest first. */
export type ApiStatSeries = Array<[number, number]>;

/** Sentry's assignedTo: a member, or a team (`name` is the team's slug, as in Sentry). */
export type ApiAssignee =
  { type: 'user'; id: string; name: string; email: string } | { type: 'team'; id: string; name: string };

export interface ApiIssue {
  id: string;
  shortId: string;
  title: string;
  culprit: string;
  level: string;
  status: IssueStatus;
  substatus: string | null;
  statusDetails: ApiStatusDetails;
  permalink: string;
  logger: string | null;
  type: string;
  issueType: string;
  issueCategory: 'error';
  metadata: Record<string, unknown>;
  platform: string;
  project: ApiProjectRef;
  firstSeen: string;
  lastSeen: string;
  /** Event count as a string (Sentry sends a string: counts may exceed 2^53). */
  count: string;
  userCount: number;
  numComments: 0;
  isUnhandled: boolean;
  isBookmarked: false;
  isSubscribed: false;
  isPublic: false;
  hasSeen: false;
  shareId: null;
  annotations: [];
  assignedTo: ApiAssignee | null;
  firstRelease: ApiRelease | null;
  lastRelease: ApiRelease | null;
  /** Keyed by period ('24h', '14d', '30d'); absent when the request asked for no stats. */
  stats?: Record<string, ApiStatSeries>;
}

export interface ApiActivity {
  id: string;
  type: string;
  data: Record<string, unknown>;
  user: ApiUser | null;
  dateCreated: string;
}

/** The grouping inputs an issue was created from ("why grouped"): the pipeline's record. */
export interface ApiGrouping {
  /** fingerprint, stacktrace, exception, message, template or fallback. */
  basis: string;
  hashes: string[];
  variants: Array<{ name: string; hash: string; values: string[]; description: string }>;
}

export interface ApiIssueDetails extends ApiIssue {
  /** null for issues stored without a grouping record. */
  grouping: ApiGrouping | null;
  activity: ApiActivity[];
  tags: Array<{ key: string; name: string; totalValues: number }>;
  seenBy: [];
  participants: [];
  userReportCount: 0;
}

export interface ApiTagValue {
  key: string;
  name: string;
  value: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

export interface ApiTagDistribution {
  key: string;
  name: string;
  totalValues: number;
  uniqueValues: number;
  topValues: ApiTagValue[];
}

export interface ApiHash {
  id: string;
  latestEvent: null;
  mergedBySeer: false;
}

export interface ApiEventEntry {
  type: 'exception' | 'message' | 'breadcrumbs' | 'request' | 'threads' | 'stacktrace' | 'debugmeta' | 'template';
  data: Record<string, unknown>;
}

/** An event in the shape of Sentry's event details endpoint. */
export interface ApiEvent {
  id: string;
  eventID: string;
  groupID: string;
  projectID: string;
  title: string;
  message: string;
  type: string;
  platform: string;
  culprit: string;
  location: string | null;
  dateCreated: string;
  dateReceived: string;
  entries: ApiEventEntry[];
  tags: Array<{ key: string; value: string }>;
  contexts: Record<string, unknown>;
  user: Record<string, unknown> | null;
  sdk: { name: string; version: string } | null;
  release: ApiRelease | null;
  dist: string | null;
  environment: string | null;
  fingerprints: string[];
  groupingConfig: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
  packages: Record<string, string>;
  context: Record<string, unknown>;
  errors: unknown[];
  size: number | null;
  previousEventID: string | null;
  nextEventID: string | null;
  crashFile: null;
  userReport: null;
  occurrence: null;
  _meta: Record<string, unknown>;
}

/** The row shape of issue events lists (Sentry's "simple event" serializer). */
export interface ApiEventSummary {
  id: string;
  eventID: string;
  groupID: string;
  projectID: string;
  title: string;
  message: string;
  platform: string;
  dateCreated: string;
  dateReceived: string;
  tags: Array<{ key: string; value: string }>;
  user: Record<string, unknown> | null;
  'event.type': string;
}

/** Error bodies: `{ error: { code, message }, detail }` (`detail` is what sentry-cli prints). */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
  detail: string;
}

/** GET /api/0/projects/{org}/{project}/user-feedback/ and /issues/{id}/user-reports/ rows (Sentry's UserReport serializer). */
export interface ApiUserFeedback {
  id: string;
  eventID: string | null;
  name: string;
  email: string;
  comments: string;
  url: string | null;
  source: string;
  environment: string | null;
  release: string | null;
  dateCreated: string;
  issue: { id: string } | null;
  user: { name: string; email: string } | null;
}

export type ApiMonitorSchedule = string | [number, string];
export type ApiCheckInStatus = 'in_progress' | 'ok' | 'error' | 'missed' | 'timeout';

/** GET /api/0/organizations/{org}/monitors/ rows (Sentry's monitor serializer). */
export interface ApiMonitor {
  id: string;
  slug: string;
  name: string;
  status: 'active';
  isMuted: boolean;
  dateCreated: string;
  project: { id: string; slug: string };
  config: {
    schedule_type: 'crontab' | 'interval';
    schedule: ApiMonitorSchedule;
    checkin_margin: number;
    max_runtime: number;
    timezone: string;
    failure_issue_threshold: number;
    recovery_threshold: number;
  };
  environments: Array<{
    name: string;
    status: 'active' | 'ok' | 'error';
    isFailing: boolean;
    lastCheckIn: string | null;
    nextCheckIn: string | null;
    nextCheckInLatest: string | null;
  }>;
}

/** GET /api/0/organizations/{org}/monitors/{slug}/checkins/ rows. */
export interface ApiMonitorCheckIn {
  id: string;
  environment: string;
  status: ApiCheckInStatus;
  /** Milliseconds. */
  duration: number | null;
  dateCreated: string;
  dateUpdated: string;
  expectedTime: string | null;
}

/** One unmerge of an issue's hashes into a new issue, with its progress (Faultline's; Sentry shows none). */
export interface ApiUnmerge {
  id: string;
  status: 'running' | 'done';
  source: string;
  destination: string;
  hashes: string[];
  /** The source's stored events when the unmerge started, how many were looked at, how many moved. */
  eventTotal: number;
  scanned: number;
  moved: number;
  dateCreated: string;
  dateFinished: string | null;
}

/** GET /issues/{id}/hashes/: Sentry's fields, plus what the issue's latest 10,000 events say about the hash. */
export interface ApiIssueHash {
  id: string;
  latestEvent: null;
  mergedBySeer: boolean;
  title: string | null;
  recentEvents: number;
  lastSeen: string | null;
}
