import { describe, expect, it } from 'vitest';
import { deployBarIndex, formatPercent, sessionBars, summarizeHealth } from './release-health.js';
import type { ApiHealthData } from './types.js';

const health = (over: Partial<ApiHealthData>): ApiHealthData => ({
  hasHealthData: true,
  crashFreeSessions: 100,
  crashFreeUsers: 100,
  totalSessions: 0,
  totalSessions24h: 0,
  totalProjectSessions24h: 0,
  totalUsers: 0,
  totalUsers24h: 0,
  totalProjectUsers24h: 0,
  sessionsCrashed: 0,
  sessionsErrored: 0,
  sessionsUnhandled: 0,
  sessionsAbnormal: 0,
  adoption: null,
  sessionsAdoption: null,
  durationP50: null,
  durationP90: null,
  stats: {
    '24h': [
      [0, 1],
      [3600, 2],
    ],
  },
  ...over,
});

describe('summarizeHealth', () => {
  it('weighs each project by its sessions and users', () => {
    const s = summarizeHealth({
      projects: [
        {
          healthData: health({
            totalSessions: 300,
            crashFreeSessions: 90,
            totalUsers: 10,
            crashFreeUsers: 80,
            totalSessions24h: 30,
            totalProjectSessions24h: 60,
          }),
        },
        {
          healthData: health({
            totalSessions: 100,
            crashFreeSessions: 100,
            totalUsers: 30,
            crashFreeUsers: 100,
            totalSessions24h: 10,
            totalProjectSessions24h: 20,
          }),
        },
      ],
    });
    expect(s).toMatchObject({
      sessions: 400,
      crashFreeSessions: 92.5,
      crashFreeUsers: 95,
      adoption: 50,
      series: [
        [0, 2],
        [3600, 4],
      ],
    });
  });

  it('is null without sessions', () => {
    expect(summarizeHealth({ projects: [{ healthData: health({ hasHealthData: false }) }] })).toBeNull();
  });
});

describe('formatPercent', () => {
  it.each([
    [99.96, '99.9 %'],
    [100, '100 %'],
    [60, '60.0 %'],
    [null, '—'],
  ])('%s → %s', (x, out) => expect(formatPercent(x)).toBe(out));
});

describe('sessionBars', () => {
  it('stacks errored, unhandled and abnormal as errored', () => {
    const bars = sessionBars({
      start: '',
      end: '',
      query: '',
      intervals: ['t0', 't1'],
      groups: [
        { by: { 'session.status': 'healthy' }, totals: {}, series: { 'sum(session)': [5, 6] } },
        { by: { 'session.status': 'unhandled' }, totals: {}, series: { 'sum(session)': [1, 0] } },
        { by: { 'session.status': 'crashed' }, totals: {}, series: { 'sum(session)': [0, 2] } },
      ],
    });
    expect(bars).toEqual([
      { at: 't0', healthy: 5, errored: 1, crashed: 0 },
      { at: 't1', healthy: 6, errored: 0, crashed: 2 },
    ]);
  });
});

describe('deployBarIndex', () => {
  const bars = ['2026-12-07T16:25:00Z', '2026-12-07T16:30:00Z', '2026-12-07T16:35:00Z'].map((at) => ({ at }));
  const step = 300_000;
  it('is the bar the deploy falls in (it counts as after), at its left edge', () => {
    expect(deployBarIndex(bars, Date.parse('2026-12-07T16:33:34Z'), step)).toBe(1);
    expect(deployBarIndex(bars, Date.parse('2026-12-07T16:30:00Z'), step)).toBe(1);
    expect(deployBarIndex(bars, Date.parse('2026-12-07T16:20:00Z'), step)).toBe(0);
    expect(deployBarIndex(bars, Date.parse('2026-12-07T16:41:00Z'), step)).toBe(3);
  });
});
