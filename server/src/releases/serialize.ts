// Release and deploy JSON in Sentry's shapes (what sentry-cli's ReleaseInfo and Deploy parse:
// every project entry carries slug and name; deploys carry name/url/dateStarted even when null).
import type { ReleaseRow } from './api-queries.js';
import type { DeployRow } from './deploy-queries.js';
import { healthKey, type HealthData } from '../sessions/release-health.js';
import type { ReleaseCommitSummary } from '../commits/queries.js';
import { serializeCommit } from '../commits/serialize.js';

/** A release as the releases API serves it (list and detail): serializeRelease's output. */
export type ApiReleaseBody = ReturnType<typeof serializeRelease>;

export interface ApiDeploy {
  id: string;
  environment: string;
  name: string | null;
  url: string | null;
  dateStarted: string | null;
  dateFinished: string;
}

/** `commits`: the release's commit summary; `health`: the releases API was asked for `?health=1`, each project then carries Sentry's healthData. */
export function serializeRelease(r: ReleaseRow, commits?: ReleaseCommitSummary, health?: Map<string, HealthData>) {
  return {
    id: r.id,
    version: r.version,
    shortVersion: r.version,
    ref: r.ref,
    url: r.url,
    status: 'open' as const,
    dateCreated: r.createdAt.toISOString(),
    dateReleased: iso(r.dateReleased),
    dateStarted: iso(r.dateStarted),
    firstEvent: iso(r.firstEvent),
    lastEvent: iso(r.lastEvent),
    newGroups: r.newGroups,
    commitCount: commits?.commitCount ?? 0,
    lastCommit: commits?.lastCommit ? serializeCommit(commits.lastCommit) : null,
    authors: commits?.authors ?? [],
    data: {},
    deployCount: r.deployCount,
    lastDeploy: r.lastDeploy
      ? {
          ...r.lastDeploy,
          dateStarted: iso(r.lastDeploy.dateStarted),
          dateFinished: r.lastDeploy.dateFinished.toISOString(),
        }
      : null,
    projects: r.projects.map((p) => ({
      id: p.id,
      slug: p.slug,
      name: p.name,
      platform: p.platform,
      platforms: p.platform ? [p.platform] : [],
      newGroups: p.newGroups,
      hasHealthData: health?.get(healthKey(r.version, p.id))?.hasHealthData ?? false,
      ...(health ? { healthData: health.get(healthKey(r.version, p.id)) ?? null } : {}),
    })),
  };
}

export function serializeDeploy(d: DeployRow): ApiDeploy {
  return {
    id: d.id,
    environment: d.environment,
    name: d.name,
    url: d.url,
    dateStarted: iso(d.dateStarted),
    dateFinished: d.dateFinished.toISOString(),
  };
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
