// The session half of the deploy verdict, alone: what each side rests on and the comparisons the
// deploy page shows. A bad outcome seen on neither side is no change (ratio 1), not the smoothed ×2.
import { describe, expect, it } from 'vitest';
import { compareSessions, sessionReasons, type SessionWindow } from '../../../server/src/releases/session-health.js';

const w = (total: number, crashed = 0, unhandled = 0, errored = 0): SessionWindow => ({
  total,
  crashed,
  unhandled,
  errored,
  abnormal: 0,
});

describe('compareSessions', () => {
  it('compares the release after the deploy with every release before it, per bad outcome', () => {
    const e = compareSessions({ before: w(200, 1), after: w(100, 40), otherAfter: w(0) })!;
    expect(e).toMatchObject({ basis: 'before-after', crashFree: { baseline: 0.995, release: 0.6 } });
    const crashed = e.comparisons.find((c) => c.status === 'crashed')!;
    expect(crashed.releaseRate).toBe(0.4);
    expect(crashed.ratio).toBeGreaterThan(50);
    expect(crashed.pValue).toBeLessThan(0.001);
    // No unhandled or errored session on either side: no change, not a rise.
    for (const status of ['unhandled', 'errored'] as const)
      expect(e.comparisons.find((c) => c.status === status)).toMatchObject({
        baselineRate: 0,
        releaseRate: 0,
        ratio: 1,
        pValue: 1,
      });
    expect(sessionReasons(e).map((r) => r.severity)).toEqual(['failing']);
  });

  it('prefers other releases over the same window when enough of them run (canary)', () => {
    expect(compareSessions({ before: w(500), after: w(100, 0, 40), otherAfter: w(100, 0, 1) })).toMatchObject({
      basis: 'canary',
      baseline: { total: 100, unhandled: 1 },
    });
  });

  it('says nothing on too few sessions', () => {
    expect(compareSessions({ before: w(200), after: w(19, 10), otherAfter: w(0) })).toBeNull();
    expect(compareSessions({ before: w(19), after: w(100, 10), otherAfter: w(0) })).toBeNull();
    expect(sessionReasons(null)).toEqual([]);
  });
});
