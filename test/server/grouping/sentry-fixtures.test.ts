// Parity with Sentry's own grouping fixtures (39 inputs, hashes from Sentry's snapshots, see
// test/fixtures/sentry-grouping/README.md): exact hash equality against the current config
// (newstyle:2026-01-20) and the previous one (newstyle:2023-01-11), and partition agreement.
import { describe, expect, it } from 'vitest';
import { computeGrouping } from '../../../server/src/grouping/index.js';
import { loadSentryFixtures } from '../../helpers/grouping-fixtures.js';

const fixtures = loadSentryFixtures();

/**
 * Inputs whose hash set is known NOT to equal Sentry's, with the reason. Empty: every input
 * matches. A fix removes its entry; a regression fails the per-fixture test below.
 */
const KNOWN_MISMATCHES: Record<string, string> = {};
const KNOWN_MISMATCHES_2023: Record<string, string> = {};

const EXPECTED_EXACT = fixtures.length - Object.keys(KNOWN_MISMATCHES).length;
const EXPECTED_EXACT_2023 = fixtures.length - Object.keys(KNOWN_MISMATCHES_2023).length;

const ours = fixtures.map((f) => computeGrouping(f.event, f.options));
const ours2023 = fixtures.map((f) => computeGrouping(f.event, { ...f.options, config: 'newstyle:2023-01-11' }));

const sameSet = (a: string[], b: string[]): boolean =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();
const intersects = (a: string[], b: string[]): boolean => a.some((h) => b.includes(h));

describe('grouping parity with Sentry fixtures', () => {
  it('has all 39 inputs', () => {
    expect(fixtures).toHaveLength(39);
  });

  it.each(fixtures.map((f, i) => [f.name, i] as const))('%s hashes like Sentry newstyle:2026-01-20', (name, i) => {
    const match = sameSet(ours[i]!.hashes, fixtures[i]!.expected.hashes);
    expect(match, KNOWN_MISMATCHES[name] ?? 'expected exact hash equality').toBe(!(name in KNOWN_MISMATCHES));
  });

  it.each(fixtures.map((f, i) => [f.name, i] as const))('%s hashes like Sentry newstyle:2023-01-11', (name, i) => {
    const match = sameSet(ours2023[i]!.hashes, fixtures[i]!.expected.previous_config.hashes);
    expect(match, KNOWN_MISMATCHES_2023[name] ?? 'expected exact hash equality').toBe(!(name in KNOWN_MISMATCHES_2023));
  });

  it('scores 39/39 exact against the current config and 39/39 against the previous one', () => {
    const exact = fixtures.filter((f, i) => sameSet(ours[i]!.hashes, f.expected.hashes)).length;
    const exact2023 = fixtures.filter((f, i) => sameSet(ours2023[i]!.hashes, f.expected.previous_config.hashes)).length;
    expect({ exact, exact2023 }).toEqual({ exact: EXPECTED_EXACT, exact2023: EXPECTED_EXACT_2023 });
  });

  it('puts the same inputs together and keeps the others apart (partition agreement 100%)', () => {
    let agree = 0;
    let total = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < fixtures.length; i++) {
      for (let j = i + 1; j < fixtures.length; j++) {
        total++;
        const sentrySame = intersects(fixtures[i]!.expected.hashes, fixtures[j]!.expected.hashes);
        const ourSame = intersects(ours[i]!.hashes, ours[j]!.hashes);
        if (sentrySame === ourSame) agree++;
        else disagreements.push(`${fixtures[i]!.name} ~ ${fixtures[j]!.name}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(agree / total).toBe(1);
  });

  it('reports the same hash basis as Sentry (Sentry says "message" for exception type+value)', () => {
    const basis = ours.map((r) => (r.basis === 'exception' ? 'message' : r.basis));
    expect(basis).toEqual(fixtures.map((f) => f.expected.hash_basis));
  });

  it('never returns an empty hash list, and every variant hash is md5 of its values', async () => {
    const { createHash } = await import('node:crypto');
    for (const r of ours) {
      expect(r.hashes.length).toBeGreaterThan(0);
      for (const v of r.variants) expect(createHash('md5').update(v.values.join('')).digest('hex')).toBe(v.hash);
      expect(r.variants.map((v) => v.hash)).toEqual(r.hashes);
    }
  });
});
