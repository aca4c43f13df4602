// Projects and project keys in Sentry's API shapes (what sentry-cli's `projects list` and
// Sentry's "Client Keys" endpoint return).
import type { ApiProject, ApiProjectKey, ApiProjectRef } from '../api/types.js';
import type { OrganizationRow } from '../organizations/queries.js';
import { buildDsn, ingestBase } from './dsn.js';
import type { ProjectKeyRow, ProjectRow } from './queries.js';

const BROWSER_SDK_VERSION = '11.x';

export function serializeProjectRef(p: Pick<ProjectRow, 'id' | 'slug' | 'name' | 'platform'>): ApiProjectRef {
  return { id: p.id, slug: p.slug, name: p.name, platform: p.platform };
}

export function serializeProject(p: ProjectRow, org: OrganizationRow): ApiProject {
  return {
    ...serializeProjectRef(p),
    dateCreated: p.createdAt.toISOString(),
    organization: { id: org.id, slug: org.slug, name: org.name },
    team: null,
    teams: [],
    isMember: true,
    hasAccess: true,
    status: 'active',
    shortIdPrefix: p.shortIdPrefix,
    allowedDomains: p.allowedDomains,
  };
}

export function serializeProjectKey(
  k: ProjectKeyRow,
  project: Pick<ProjectRow, 'id' | 'platform'>,
  baseUrl: string,
): ApiProjectKey {
  const base = ingestBase(baseUrl, project.id);
  const security = `${base}/security/?sentry_key=${k.publicKey}`;
  return {
    id: k.publicKey, // Sentry identifies keys by their public part in URLs
    name: k.label,
    label: k.label,
    public: k.publicKey,
    secret: k.secretKey,
    projectId: Number(project.id),
    isActive: k.isActive,
    dateCreated: k.createdAt.toISOString(),
    rateLimit:
      k.rateLimitCount !== null && k.rateLimitWindow !== null
        ? { count: k.rateLimitCount, window: k.rateLimitWindow }
        : null,
    dsn: {
      public: buildDsn(baseUrl, project.id, k.publicKey),
      secret: buildDsn(baseUrl, project.id, k.publicKey, k.secretKey),
      security,
      csp: security,
      minidump: `${base}/minidump/?sentry_key=${k.publicKey}`,
      unreal: `${base}/unreal/${k.publicKey}/`,
      cdn: `${baseUrl.replace(/\/+$/, '')}/js-sdk-loader/${k.publicKey}.min.js`,
    },
    browserSdkVersion: BROWSER_SDK_VERSION,
    platform: project.platform,
  };
}
