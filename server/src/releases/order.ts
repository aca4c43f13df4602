// Release ordering, as Sentry orders releases for regressions: by semantic version when both
// versions parse as semver of the same package (`pkg@1.2.3-rc.1+45`), else by the order in
// which the releases were first seen (created). Pure: callers pass the creation dates.

export interface ReleaseRef {
  version: string;
  /** When the release was created (by the CLI or implicitly by its first event); null if unknown. */
  createdAt: Date | null;
}

export interface Semver {
  pkg: string;
  nums: [number, number, number, number];
  pre: string[];
}

const SEMVER_RE =
  /^v?(\d{1,15})(?:\.(\d{1,15}))?(?:\.(\d{1,15}))?(?:\.(\d{1,15}))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]*)?$/;

/** Parses `1.2.3`, `v1.2`, `web@3.1.0`, `@scope/pkg@1.0.0-beta.2+build`; null when not semver-like. */
export function parseSemver(version: string): Semver | null {
  const at = version.lastIndexOf('@');
  const pkg = at > 0 ? version.slice(0, at) : '';
  const m = SEMVER_RE.exec(at > 0 ? version.slice(at + 1) : version);
  if (!m) return null;
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  return { pkg, nums: [n(m[1]), n(m[2]), n(m[3]), n(m[4])], pre: m[5] ? m[5].split('.') : [] };
}

/** semver precedence: numbers, then a pre-release sorts before the release itself. */
export function compareSemver(a: Semver, b: Semver): number {
  for (let i = 0; i < 4; i++) {
    const d = a.nums[i]! - b.nums[i]!;
    if (d !== 0) return Math.sign(d);
  }
  if (a.pre.length === 0 || b.pre.length === 0) return Math.sign(b.pre.length - a.pre.length);
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (x === y) continue;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) return Math.sign(Number(x) - Number(y));
    if (xn !== yn) return xn ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * -1 / 0 / 1 when a is older / the same / newer than b; null when the order is unknown (no
 * semver and a creation date missing). Same version string is always 0.
 */
export function compareReleases(a: ReleaseRef, b: ReleaseRef): -1 | 0 | 1 | null {
  if (a.version === b.version) return 0;
  const sa = parseSemver(a.version);
  const sb = parseSemver(b.version);
  if (sa && sb && sa.pkg === sb.pkg) {
    const c = compareSemver(sa, sb);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  if (!a.createdAt || !b.createdAt) return null;
  const d = a.createdAt.getTime() - b.createdAt.getTime();
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}
