// Types the UI shares with the server (type-only imports: nothing from the server runs here),
// plus shapes of endpoints whose server types live elsewhere (members, releases, deploys).
export type {
  ApiUser,
  ApiSession,
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
  IssueStatus,
  MemberRole,
} from '../../../server/src/api/types.js';
export type { ApiIssueSampling } from '../../../server/src/spikes/routes.js';
export type {
  EventCreateMessage,
  DeployCreateMessage,
  StreamMessage,
  StreamHello,
} from '../../../server/src/realtime/messages.js';
import type { MemberRole } from '../../../server/src/api/types.js';

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
  projects?: Array<{ id: string | number; slug: string; name?: string; newGroups?: number }>;
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
  rollbackTarget: { version: string; deployId: string; deployedAt: string; verdict: string | null } | null;
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
