// Release-aware regression rules (Sentry's GroupResolution.has_resolution), pure: does a new
// event reopen a resolved issue? Also the resolve-side mapping from the API's statusDetails
// ({inNextRelease, inRelease}) to the issue columns these rules read.
import { compareReleases, type ReleaseRef } from './order.js';

const NEWEST = new Date(8.64e15);

export type Resolution =
  | { kind: 'plain' }
  /** Fixed in `release`: events from `release` or anything newer reopen. */
  | { kind: 'in-release'; release: string }
  /** Fixed in whatever comes after `afterRelease` (the newest release when resolved). */
  | { kind: 'in-next-release'; afterRelease: string | null };

/** The issue columns a resolution lives in (migration 0042 plus issues.resolved_in_release). */
export interface ResolutionColumns {
  resolvedInRelease: string | null;
  resolvedInNextRelease: boolean;
  resolvedAfterRelease: string | null;
}

export function resolutionFromColumns(c: ResolutionColumns): Resolution {
  if (c.resolvedInNextRelease) return { kind: 'in-next-release', afterRelease: c.resolvedAfterRelease };
  if (c.resolvedInRelease) return { kind: 'in-release', release: c.resolvedInRelease };
  return { kind: 'plain' };
}

/**
 * What PUT /issues/{id}/ stores for statusDetails. `inRelease: "latest"` and `inNextRelease`
 * both need the project's newest release (`latestRelease`); without one, Sentry falls back to a
 * plain resolve, and so do we.
 */
export function resolutionColumnsFor(
  details: { inNextRelease?: boolean; inRelease?: string | null },
  latestRelease: string | null,
): ResolutionColumns {
  const plain = { resolvedInRelease: null, resolvedInNextRelease: false, resolvedAfterRelease: null };
  if (details.inRelease) {
    const release = details.inRelease === 'latest' ? latestRelease : details.inRelease;
    return release ? { ...plain, resolvedInRelease: release } : plain;
  }
  if (details.inNextRelease) {
    return latestRelease ? { ...plain, resolvedInNextRelease: true, resolvedAfterRelease: latestRelease } : plain;
  }
  return plain;
}

/** The release versions isRegression needs dates for (to fetch them in one query per batch). */
export function releasesToCompare(resolution: Resolution, eventRelease: string | null): string[] {
  const r =
    resolution.kind === 'in-release'
      ? resolution.release
      : resolution.kind === 'in-next-release'
        ? resolution.afterRelease
        : null;
  return [r, eventRelease].filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * Whether an event on a *resolved* issue reopens it.
 * - plain resolve: any new event reopens.
 * - release-based: an event without a release never reopens (Sentry assumes the app only
 *   started reporting releases later); an event from an older release is an old host still
 *   running the unfixed code and does not reopen; same-or-newer than "in release X", or newer
 *   than the release current at "resolve in next release", reopens. When the order cannot be
 *   known (no semver, a date missing) the issue stays resolved: a false reopen pages someone.
 * `releaseOf` gives the creation date of a version (null when the release is not recorded).
 */
export function isRegression(
  resolution: Resolution,
  eventRelease: string | null,
  releaseOf: (version: string) => ReleaseRef | null,
): boolean {
  if (resolution.kind === 'plain') return true;
  if (!eventRelease) return false;
  // A release not recorded yet is first seen by this very event: newer than every known one.
  const event = releaseOf(eventRelease) ?? { version: eventRelease, createdAt: NEWEST };
  if (resolution.kind === 'in-release') {
    const fixed = releaseOf(resolution.release) ?? { version: resolution.release, createdAt: null };
    const c = compareReleases(event, fixed);
    return c !== null && c >= 0;
  }
  if (!resolution.afterRelease) return true;
  const current = releaseOf(resolution.afterRelease) ?? { version: resolution.afterRelease, createdAt: null };
  const c = compareReleases(event, current);
  return c !== null && c > 0;
}
