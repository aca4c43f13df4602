// Types the UI shares with the server (type-only imports: nothing from the server runs here),
// plus shapes of endpoints whose server types live elsewhere (members, releases, deploys).
export type {
  ApiUser,
  ApiSession,
  ApiLogout,
  ApiAuthConfig,
  ApiAuthPolicy,
  ApiAccessRequest,
  ApiOrganizationSummary,
  ApiProject,
  ApiProjectKey,
  ApiIssue,
  ApiIssueDetails,
  ApiIssueHash,
  ApiUnmerge,
  ApiEvent,
  ApiEventEntry,
  ApiTagDistribution,
  ApiTagValue,
  ApiActivity,
  ApiRelease,
  ApiToken,
  ApiTokenCreated,
  ApiUserFeedback,
  ApiMonitor,
  ApiMonitorCheckIn,
  ApiCheckInStatus,
  IssueStatus,
  MemberRole,
} from '../../../server/src/api/types.js';
export type { ApiIssueSampling } from '../../../server/src/spikes/routes.js';
export type {
  EventCreateMessage,
  DeployCreateMessage,
  FlagChangeMessage,
  StreamMessage,
  StreamHello,
} from '../../../server/src/realtime/messages.js';
import type { MemberRole } from '../../../server/src/api/types.js';
export type { FlagRow as ApiFlagRow, SuspectScore as ApiSuspectFlag } from '../../../server/src/flags/suspect.js';
export type { ChangeHealthReport as ApiFlagChangeHealth } from '../../../server/src/flags/change-health.js';
export type { ApiFlagLog } from '../../../server/src/flags/routes.js';
export interface ApiSigningSecret { id: string; provider: string; createdBy: string | null; createdAt: string; secret: string }

export interface ApiMember {
  id: string;
  email: string;
  name: string;
  role: MemberRole;
  user: { id: string; email: string; name: string };
  dateCreated: string;
}

export interface ApiInvitation {
  id: string;
  email: string | null;
  role: MemberRole;
  expiresAt: string;
  dateCreated: string;
  invitedBy: { id: string; name: string; email: string } | null;
  /** Only in the create response: the link is shown once. */
  token?: string;
  url?: string;
}

export interface ApiInvitationPreview {
  organization: { slug: string; name: string };
  role: MemberRole;
  email: string | null;
  expiresAt: string;
}

export interface ApiReleaseListItem {
  version: string;
  shortVersion?: string;
  dateCreated: string | null;
  dateReleased: string | null;
  newGroups?: number;
  projects?: Array<{ id: string | number; slug: string; name?: string; newGroups?: number; hasHealthData?: boolean; healthData?: ApiHealthData | null }>;
  lastDeploy?: ApiDeploy | null;
  firstEvent?: string | null;
  lastEvent?: string | null;
}

export interface ApiDeploy {
  id: string;
  environment: string;
  name: string | null;
  url: string | null;
  dateStarted: string | null;
  dateFinished: string;
  version?: string;
  projects?: string[];
}

/** Deploy health (GET …/releases/{version}/deploys/{id}/health/), as the releases API serves it. */
export interface HealthWindow {
  events: number;
  minutes: number;
  requests: number | null;
}

export interface HealthIssueEvidence {
  issueId: string;
  shortId: string | null;
  title: string;
  events: number;
  eventsOtherReleases: number;
  hosts: number;
  suspectCommits?: ApiSuspectCommit[];
}

/** Sentry's release healthData (releases API with ?health=1); rates in percent. */
export interface ApiHealthData {
  hasHealthData: boolean;
  crashFreeSessions: number | null;
  crashFreeUsers: number | null;
  totalSessions: number;
  totalSessions24h: number;
  totalProjectSessions24h: number;
  totalUsers: number;
  totalUsers24h: number;
  totalProjectUsers24h: number;
  sessionsCrashed: number;
  sessionsErrored: number;
  sessionsUnhandled: number;
  sessionsAbnormal: number;
  adoption: number | null;
  sessionsAdoption: number | null;
  stats: { '24h': Array<[number, number]> };
}

/** Sentry's sessions API body. */
export interface ApiSessions {
  start: string;
  end: string;
  intervals: string[];
  groups: Array<{ by: Record<string, string | number>; totals: Record<string, number | null>; series: Record<string, Array<number | null>> }>;
}

export interface SessionWindow {
  total: number;
  crashed: number;
  unhandled: number;
  errored: number;
  abnormal: number;
}

export interface ApiDeployHealth {
  verdict: 'healthy' | 'suspect' | 'failing' | string;
  confidence: 'low' | 'normal';
  reasons: Array<{ code: string; severity: string; message: string; issueId?: string }>;
  errorRate: { basis: string; eventsBefore: number; eventsAfter: number; before: number; after: number; ratio: number; pValue: number } | null;
  canary: { basis: string; newReleaseEvents: number; otherReleasesEvents: number; expectedShare: number; observedShare: number; ratio: number; pValue: number } | null;
  deployId: string;
  release: string;
  environment: string;
  window: { deployedAt: string; beforeStart: string; afterEnd: string; beforeMinutes: number; afterMinutes: number; isFinal: boolean };
  before: HealthWindow;
  after: HealthWindow;
  hosts: { newRelease: { hosts: string[] }; otherReleases: { hosts: string[] } } | null;
  newIssues: HealthIssueEvidence[];
  regressions: HealthIssueEvidence[];
  rollbackTarget: { version: string; deployId: string | null; deployedAt: string | null; verdict: string | null; source?: 'deploy' | 'last-seen'; lastSeen?: string } | null;
  sessions?: {
    basis: 'canary' | 'before-after';
    baseline: SessionWindow;
    release: SessionWindow;
    crashFree: { baseline: number | null; release: number | null };
    comparisons: Array<{ status: string; baselineRate: number; releaseRate: number; ratio: number; pValue: number }>;
  } | null;
  deploy?: ApiDeploy;
}

export interface ApiAlertRule {
  id: string;
  name: string;
  [key: string]: unknown;
}

export interface ApiInboundFilter {
  id: string;
  /** Legacy browsers: false or the browser subfilters. */
  active: boolean | string[];
  /** Pattern filters (error-messages, releases, environments). */
  patterns?: string[];
}

/** Commits (server/src/commits/serialize.ts, committers.ts). */
export interface ApiCommit {
  id: string;
  message: string | null;
  dateCreated: string | null;
  repository: { name: string; url: string | null };
  author: { id?: string; name: string | null; email: string | null } | null;
  releaseVersion?: string;
}

export interface ApiSuspectCommit {
  id: string;
  message: string | null;
  dateCreated: string | null;
  author: { id?: string; name: string | null; email: string | null } | null;
  suspectCommitType?: string;
}

export interface ApiCommitter {
  author: { id?: string; name: string | null; email: string | null };
  commits: ApiSuspectCommit[];
}

/** A source link of one stored frame: indexes into exception.values and its frames. */
export interface ApiFrameLink {
  exception: number;
  frame: number;
  url: string;
}

export interface ApiTeam {
  id: string;
  slug: string;
  name: string;
  memberCount: number;
  members?: Array<{ id: string; email: string; name: string }>;
}

export interface ApiOwnership {
  raw: string;
  fallthrough: boolean;
  autoAssignment: 'Auto Assign to Issue Owner' | 'Auto Assign to Suspect Commits' | 'Turn off Auto-Assignment';
}
