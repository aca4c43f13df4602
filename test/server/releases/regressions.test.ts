import { describe, expect, it } from 'vitest';
import { compareReleases, parseSemver } from '../../../server/src/releases/order.js';
import {
  isRegression,
  resolutionColumnsFor,
  resolutionFromColumns,
  type Resolution,
} from '../../../server/src/releases/regressions.js';

const day = (d: number) => new Date(Date.UTC(2026, 0, d));
const known: Record<string, Date> = {
  'web@1.0.0': day(1),
  'web@1.1.0': day(2),
  'build-a': day(3),
  'build-b': day(4),
  'web@2.0.0-rc.1': day(5),
};
const releaseOf = (v: string) => (known[v] ? { version: v, createdAt: known[v] } : null);

describe('release order', () => {
  it.each([
    ['web@1.0.0', 'web@1.1.0', -1],
    ['web@1.10.0', 'web@1.9.0', 1],
    ['1.2', '1.2.0', 0],
    ['web@2.0.0-rc.1', 'web@2.0.0', -1],
    ['web@2.0.0-rc.2', 'web@2.0.0-rc.10', -1],
    ['build-a', 'build-b', -1], // not semver: creation order
    ['build-b', 'build-a', 1],
  ])('%s vs %s → %i', (a, b, expected) => {
    const ref = (v: string) => releaseOf(v) ?? { version: v, createdAt: day(1) };
    expect(compareReleases(ref(a), ref(b))).toBe(expected);
  });

  it('is unknown without semver and a date', () => {
    expect(compareReleases({ version: 'x', createdAt: null }, { version: 'y', createdAt: day(1) })).toBeNull();
  });

  it('parses package@version+build', () => {
    expect(parseSemver('@acme/web@3.1.0-beta.2+45')).toEqual({
      pkg: '@acme/web',
      nums: [3, 1, 0, 0],
      pre: ['beta', '2'],
    });
    expect(parseSemver('deadbeef')).toBeNull();
  });
});

describe('isRegression', () => {
  const plain: Resolution = { kind: 'plain' };
  const next: Resolution = { kind: 'in-next-release', afterRelease: 'web@1.0.0' };
  const inX: Resolution = { kind: 'in-release', release: 'web@1.1.0' };
  const nextNonSemver: Resolution = { kind: 'in-next-release', afterRelease: 'build-a' };
  it.each([
    ['plain: any event', plain, 'web@1.0.0', true],
    ['plain: even without release', plain, null, true],
    ['next: the old release (old host)', next, 'web@1.0.0', false],
    ['next: a newer release', next, 'web@1.1.0', true],
    ['next: no release', next, null, false],
    ['in X: older release', inX, 'web@1.0.0', false],
    ['in X: X itself', inX, 'web@1.1.0', true],
    ['in X: newer than X', inX, 'web@2.0.0', true],
    ['non-semver next: same build', nextNonSemver, 'build-a', false],
    ['non-semver next: later build', nextNonSemver, 'build-b', true],
    ['non-semver next: unseen build is newest', nextNonSemver, 'build-z', true],
  ])('%s', (_name, resolution, release, expected) => {
    expect(isRegression(resolution, release, releaseOf)).toBe(expected);
  });
});

describe('resolutionColumnsFor (what the API stores)', () => {
  it.each([
    [{}, 'web@1.0.0', { resolvedInRelease: null, resolvedInNextRelease: false, resolvedAfterRelease: null }],
    [
      { inNextRelease: true },
      'web@1.0.0',
      { resolvedInRelease: null, resolvedInNextRelease: true, resolvedAfterRelease: 'web@1.0.0' },
    ],
    [
      { inNextRelease: true },
      null,
      { resolvedInRelease: null, resolvedInNextRelease: false, resolvedAfterRelease: null },
    ],
    [
      { inRelease: 'web@2.0.0' },
      'web@1.0.0',
      { resolvedInRelease: 'web@2.0.0', resolvedInNextRelease: false, resolvedAfterRelease: null },
    ],
    [
      { inRelease: 'latest' },
      'web@1.0.0',
      { resolvedInRelease: 'web@1.0.0', resolvedInNextRelease: false, resolvedAfterRelease: null },
    ],
  ])('%j with latest %s', (details, latest, expected) => {
    expect(resolutionColumnsFor(details, latest)).toEqual(expected);
    expect(resolutionFromColumns(expected).kind).toBe(
      expected.resolvedInNextRelease ? 'in-next-release' : expected.resolvedInRelease ? 'in-release' : 'plain',
    );
  });
});
