// The API's response types, each defined once on the server next to the code that builds it, and
// imported here type-only (nothing of the server runs in the browser; the import rule
// ui-only-api-types enforces it). The UI's names are kept where they differ from the server's.
export type {
  ApiUser,
  ApiSession,
  ApiLogout,
  ApiAuthConfig,
  ApiAuthPolicy,
  ApiAccessRequest,
  ApiAccessRequestAccepted,
  ApiOrganizationSummary,
  ApiProject,
  ApiProjectKey,
  ApiIssue,
  ApiAssignee,
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
export type { ApiIssueBulkUpdate } from '../../../server/src/issues/triage-routes.js';
export type {
  EventCreateMessage,
  DeployCreateMessage,
  FlagChangeMessage,
  StreamMessage,
  StreamHello,
} from '../../../server/src/realtime/messages.js';
export type { FlagRow as ApiFlagRow, SuspectScore as ApiSuspectFlag } from '../../../server/src/flags/suspect.js';
export type { ChangeHealthReport as ApiFlagChangeHealth } from '../../../server/src/flags/change-health.js';
export type { ApiFlagList, ApiFlagLog, ApiIssueFlags, ApiSigningSecret } from '../../../server/src/flags/routes.js';
export type {
  ApiMemberBody as ApiMember,
  ApiInvitationBody as ApiInvitation,
  ApiInvitationPreview,
  ApiInvitationAccepted,
} from '../../../server/src/members/serialize.js';
export type { ApiReleaseBody as ApiReleaseListItem, ApiDeploy } from '../../../server/src/releases/serialize.js';
export type { ApiDeployHealth } from '../../../server/src/releases/deploys.js';
export type {
  Window as HealthWindow,
  IssueEvidence as HealthIssueEvidence,
  EvidenceCommit,
} from '../../../server/src/releases/verdict.js';
export type { SessionWindow } from '../../../server/src/releases/session-health.js';
export type { HealthData as ApiHealthData } from '../../../server/src/sessions/release-health.js';
export type { SessionsBody as ApiSessions } from '../../../server/src/sessions/series.js';
export type { ApiAlertRule } from '../../../server/src/alerts/rule-schema.js';
export type { ApiInboundFilter } from '../../../server/src/projects/filter-routes.js';
export type { ApiCommit } from '../../../server/src/commits/serialize.js';
export type {
  SuspectCommit as ApiSuspectCommit,
  Committer as ApiCommitter,
} from '../../../server/src/commits/committers.js';
export type { ApiEventCommitters } from '../../../server/src/commits/routes.js';
export type { FrameLink as ApiFrameLink } from '../../../server/src/commits/code-mappings.js';
export type { ApiSourceLinks } from '../../../server/src/commits/code-mapping-routes.js';
export type { ApiTeam } from '../../../server/src/ownership/team-routes.js';
export type { ApiOwnership } from '../../../server/src/ownership/routes.js';
