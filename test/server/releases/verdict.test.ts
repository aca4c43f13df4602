import { describe, expect, it } from 'vitest';
import { binomialUpperTail, normalUpperTail, rateIncreasePValue } from '../../../server/src/releases/stats.js';
import { decideVerdict, type HealthInputs, type HostGroup } from '../../../server/src/releases/verdict.js';

const win = (events: number, minutes = 1, requests: number | null = null) => ({ events, minutes, requests });
const group = (hosts: number, before: number, after: number, req: [number, number] | null = null): HostGroup => ({
  hosts: Array.from({ length: hosts }, (_, i) => `h${i}`),
  before: win(before, 10, req ? req[0] : null),
  after: win(after, 1, req ? req[1] : null),
});
const inputs = (p: Partial<HealthInputs>): HealthInputs => ({
  minutesSinceDeploy: 1,
  before: win(240, 10),
  after: win(24),
  canary: null,
  newIssues: [],
  regressions: [],
  ...p,
});
/** Sessions before the deploy and of the release after it: [total, crashed, unhandled]. */
const sess = (before: [number, number, number], after: [number, number, number]) => {
  const w = ([total, crashed, unhandled]: [number, number, number]) => ({
    total,
    crashed,
    unhandled,
    errored: 0,
    abnormal: 0,
  });
  return { before: w(before), after: w(after), otherAfter: w([0, 0, 0]) };
};
const issue = (events: number, eventsOtherReleases = 0) => ({
  issueId: '1',
  shortId: 'SHOP-1',
  title: 'TypeError: x',
  events,
  eventsOtherReleases,
  hosts: 2,
});

describe('decideVerdict', () => {
  it.each([
    [
      'nothing changed',
      inputs({ canary: { newRelease: group(2, 120, 12), otherReleases: group(2, 120, 12) } }),
      'healthy',
      [],
    ],
    ['a new issue with many events', inputs({ newIssues: [issue(12)] }), 'failing', ['new-issue']],
    ['a new issue with few events', inputs({ newIssues: [issue(3)] }), 'suspect', ['new-issue']],
    ['a "new" issue that old releases have too', inputs({ newIssues: [issue(12, 12)] }), 'healthy', []],
    ['a regression', inputs({ regressions: [issue(4)] }), 'suspect', ['regression']],
    [
      'canary hosts 3× worse',
      inputs({ after: win(48), canary: { newRelease: group(2, 120, 36), otherReleases: group(2, 120, 12) } }),
      'failing',
      ['canary'],
    ],
    [
      'spike on all hosts',
      inputs({ after: win(72), canary: { newRelease: group(2, 120, 36), otherReleases: group(2, 120, 36) } }),
      'healthy',
      ['spike-not-release'],
    ],
    ['rate tripled, no canary, no request counts', inputs({ after: win(72) }), 'suspect', ['error-rate']],
    [
      'rate tripled per 1,000 requests',
      inputs({ before: win(240, 10, 100_000), after: win(72, 1, 10_000) }),
      'failing',
      ['error-rate'],
    ],
    [
      'more errors but also more requests',
      inputs({ before: win(240, 10, 100_000), after: win(72, 1, 30_000) }),
      'healthy',
      [],
    ],
    ['too few events to judge a rate', inputs({ before: win(2, 10), after: win(3) }), 'healthy', []],
    ['crash-free sessions 99 % → 60 %', inputs({ sessions: sess([200, 2, 0], [100, 40, 0]) }), 'failing', ['sessions']],
    ['unhandled sessions 1 % → 40 %', inputs({ sessions: sess([200, 0, 2], [100, 0, 40]) }), 'failing', ['sessions']],
    [
      'crashes 1 % → 4 %: suspect, not failing',
      inputs({ sessions: sess([2000, 20, 0], [1000, 40, 0]) }),
      'suspect',
      ['sessions'],
    ],
    ['sessions unchanged', inputs({ sessions: sess([200, 2, 0], [100, 1, 0]) }), 'healthy', ['sessions']],
    ['too few sessions to judge', inputs({ sessions: sess([200, 2, 0], [10, 5, 0]) }), 'healthy', []],
    [
      'events doubled with sessions doubled',
      inputs({
        before: { ...win(240, 10), sessions: 2400 },
        after: { ...win(48), sessions: 480 },
        sessions: sess([2400, 20, 0], [480, 4, 0]),
      }),
      'healthy',
      ['sessions'],
    ],
    ['events doubled per minute, no sessions', inputs({ after: win(48) }), 'suspect', ['error-rate']],
  ])('%s → %s', (_name, input, verdict, codes) => {
    const r = decideVerdict(input);
    expect(r.verdict).toBe(verdict);
    expect(r.reasons.map((x) => x.code)).toEqual(codes);
  });

  it('weighs canary groups by requests when counted', () => {
    // new hosts serve 3× the traffic: 3× the errors is not worse
    const r = decideVerdict(
      inputs({
        canary: { newRelease: group(2, 120, 36, [30_000, 3_000]), otherReleases: group(2, 120, 12, [30_000, 1_000]) },
      }),
    );
    expect(r.canary).toMatchObject({ basis: 'requests' });
    expect(r.canary!.ratio).toBeCloseTo(1, 1);
    expect(r.verdict).toBe('healthy');
  });

  it('reports low confidence right after a deploy', () => {
    expect(decideVerdict(inputs({ minutesSinceDeploy: 0.2 })).confidence).toBe('low');
  });
});

describe('stats', () => {
  it('computes binomial tails', () => {
    expect(binomialUpperTail(0, 10, 0.5)).toBe(1);
    expect(binomialUpperTail(10, 10, 0.5)).toBeCloseTo(1 / 1024, 10);
    expect(binomialUpperTail(6, 10, 0.5)).toBeCloseTo(386 / 1024, 10);
    expect(normalUpperTail(1.96)).toBeCloseTo(0.025, 3);
    expect(binomialUpperTail(26_000, 50_000, 0.5)).toBeLessThan(1e-15);
  });

  it('finds a doubled rate significant only with enough events', () => {
    expect(rateIncreasePValue(4, 1, 2, 1)).toBeGreaterThan(0.1);
    expect(rateIncreasePValue(40, 1, 20, 1)).toBeLessThan(0.01);
  });
});
