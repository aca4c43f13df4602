// Schedules: next expected check-in in a time zone across DST changes, intervals, and the
// problems a bad schedule reports. Table tests over the pure module.
import { describe, expect, it } from 'vitest';
import { nextExpected, scheduleProblem, type Schedule } from '../../../server/src/monitors/schedule.js';
import { incidentStep } from '../../../server/src/monitors/state.js';
import { parseCheckIn } from '../../../server/src/monitors/check-in.js';

const cron = (value: string, timezone = 'UTC'): Schedule => ({ type: 'crontab', value, timezone });
/** The next `n` expected times after `from`, each computed from the previous one. */
function ticks(s: Schedule, from: string, n = 3): string[] {
  const out: string[] = [];
  let t = new Date(from);
  for (let i = 0; i < n; i++) out.push((t = nextExpected(s, t)).toISOString());
  return out;
}

describe('crontab schedules in time zones', () => {
  it.each([
    // [what, schedule, from, expected UTC times]
    [
      'UTC every minute',
      cron('* * * * *'),
      '2026-03-01T10:00:30Z',
      ['2026-03-01T10:01:00.000Z', '2026-03-01T10:02:00.000Z', '2026-03-01T10:03:00.000Z'],
    ],
    [
      'Vienna 02:30 daily in winter',
      cron('30 2 * * *', 'Europe/Vienna'),
      '2026-01-10T12:00:00Z',
      ['2026-01-11T01:30:00.000Z', '2026-01-12T01:30:00.000Z', '2026-01-13T01:30:00.000Z'],
    ],
    // Spring forward (Berlin, 29 March 2026, 02:00 → 03:00): 02:30 does not exist that night; it runs at 03:30 CEST (01:30Z), once.
    [
      'Berlin 02:30 across spring forward',
      cron('30 2 * * *', 'Europe/Berlin'),
      '2026-03-28T12:00:00Z',
      ['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z'],
    ],
    // Fall back (Berlin, 25 October 2026, 03:00 → 02:00): 02:30 exists twice; it runs once, at the first (CEST, 00:30Z).
    [
      'Berlin 02:30 across fall back',
      cron('30 2 * * *', 'Europe/Berlin'),
      '2026-10-24T12:00:00Z',
      ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z'],
    ],
    // Hourly stays hourly in absolute time: the repeated hour 02:00 runs twice (00:00Z CEST and 01:00Z CET).
    [
      'Berlin hourly across fall back',
      cron('0 * * * *', 'Europe/Berlin'),
      '2026-10-24T23:30:00Z',
      ['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z'],
    ],
    // New York midnight: EST (05:00Z) before 8 March 2026, EDT (04:00Z) after.
    [
      'New York midnight across spring forward',
      cron('0 0 * * *', 'America/New_York'),
      '2026-03-07T12:00:00Z',
      ['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z'],
    ],
    // A half-hour zone without DST, weekly on Mondays at 09:00.
    [
      'Kolkata Mondays 09:00',
      cron('0 9 * * 1', 'Asia/Kolkata'),
      '2026-03-07T12:00:00Z',
      ['2026-03-09T03:30:00.000Z', '2026-03-16T03:30:00.000Z', '2026-03-23T03:30:00.000Z'],
    ],
    // Southern hemisphere: Sydney leaves DST on 5 April 2026 at 03:00 AEDT (→ 02:00 AEST): 06:00 is 19:00Z before, 20:00Z from that morning.
    [
      'Sydney 06:00 across DST end',
      cron('0 6 * * *', 'Australia/Sydney'),
      '2026-04-03T12:00:00Z',
      ['2026-04-03T19:00:00.000Z', '2026-04-04T20:00:00.000Z', '2026-04-05T20:00:00.000Z'],
    ],
    [
      'nickname @daily',
      cron('@daily'),
      '2026-01-01T05:00:00Z',
      ['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z'],
    ],
  ])('%s', (_what, schedule, from, expected) => {
    expect(scheduleProblem(schedule)).toBeNull();
    expect(ticks(schedule, from)).toEqual(expected);
  });
});

describe('interval schedules', () => {
  it.each([
    [
      { type: 'interval', value: 10, unit: 'minute', timezone: 'UTC' },
      '2026-01-01T00:00:07Z',
      '2026-01-01T00:10:07.000Z',
    ],
    [{ type: 'interval', value: 2, unit: 'hour', timezone: 'UTC' }, '2026-03-29T00:30:00Z', '2026-03-29T02:30:00.000Z'],
    [{ type: 'interval', value: 1, unit: 'week', timezone: 'UTC' }, '2026-01-01T00:00:00Z', '2026-01-08T00:00:00.000Z'],
    [
      { type: 'interval', value: 1, unit: 'month', timezone: 'UTC' },
      '2026-01-31T00:00:00Z',
      '2026-03-03T00:00:00.000Z',
    ],
    [{ type: 'interval', value: 1, unit: 'year', timezone: 'UTC' }, '2026-06-01T00:00:00Z', '2027-06-01T00:00:00.000Z'],
  ] as Array<[Schedule, string, string]>)('%o after %s', (schedule, from, next) => {
    expect(nextExpected(schedule, new Date(from)).toISOString()).toBe(next);
  });
});

describe('bad schedules', () => {
  it.each([
    [cron('61 * * * *'), /does not parse/],
    [cron('* * * *'), /needs 5 fields/],
    [cron('* * * * * *'), /needs 5 fields/],
    [cron('every day'), /needs 5 fields/],
    [cron('x'.repeat(101)), /longer than 100/],
    [cron('* * * * *', 'Mars/Olympus_Mons'), /unknown time zone/],
    [{ type: 'interval', value: 0, unit: 'minute', timezone: 'UTC' } as Schedule, /whole number/],
    [{ type: 'interval', value: 1, unit: 'fortnight', timezone: 'UTC' } as unknown as Schedule, /unit must be/],
  ])('%o', (schedule, problem) => {
    expect(scheduleProblem(schedule)).toMatch(problem);
  });
});

describe('check-in payloads', () => {
  const base = { check_in_id: '83a7c03ed0a04e1b97e2e3b18d38f244', monitor_slug: 'Nightly Sync', status: 'ok' };
  it('parses, slugifies and applies defaults', () => {
    expect(parseCheckIn({ ...base, duration: 1.5 })).toEqual({
      checkInId: base.check_in_id,
      slug: 'nightly-sync',
      status: 'ok',
      environment: 'production',
      durationMs: 1500,
      config: null,
    });
    const withConfig = parseCheckIn({
      ...base,
      monitor_config: { schedule: { type: 'crontab', value: '0 3 * * *' }, timezone: 'Europe/Vienna' },
    });
    expect(withConfig).toMatchObject({
      config: {
        schedule: { type: 'crontab', value: '0 3 * * *', timezone: 'Europe/Vienna' },
        checkinMarginMinutes: 1,
        maxRuntimeMinutes: 30,
        failureIssueThreshold: 1,
        recoveryThreshold: 1,
      },
    });
  });
  it.each([
    [{ ...base, status: 'unknown' }, /^status:/],
    [{ ...base, status: 'missed' }, /^status:/],
    [{ ...base, check_in_id: 'nope' }, /^check_in_id:/],
    [{ ...base, monitor_slug: '' }, /^monitor_slug:/],
    [{ ...base, monitor_slug: '***' }, /^monitor_slug: has no letters/],
    [{ ...base, duration: -1 }, /^duration:/],
    [
      { ...base, monitor_config: { schedule: { type: 'crontab', value: 'every night' } } },
      /^monitor_config\.schedule: crontab "every night" does not parse/,
    ],
    [
      { ...base, monitor_config: { schedule: { type: 'crontab', value: '0 3 * * *' }, timezone: 'Nowhere/Else' } },
      /^monitor_config\.timezone: unknown time zone/,
    ],
    [
      { ...base, monitor_config: { schedule: { type: 'interval', value: 1, unit: 'fortnight' } } },
      /^monitor_config\.schedule\.unit:/,
    ],
    [
      { ...base, monitor_config: { schedule: { type: 'crontab', value: '* * * * *' }, failure_issue_threshold: 0 } },
      /^monitor_config\.failure_issue_threshold:/,
    ],
    ['not an object', /^check_in:/],
  ])('%o is refused: %s', (payload, problem) => {
    const r = parseCheckIn(payload);
    expect('problem' in r && r.problem).toMatch(problem);
  });
});

describe('incident steps', () => {
  const step = (recent: string[], isFailing: boolean, failureThreshold = 1, recoveryThreshold = 1) =>
    incidentStep({ recent: recent as never, isFailing, failureThreshold, recoveryThreshold });
  it.each([
    [['missed'], false, 1, 1, 'open'],
    [['error', 'ok'], false, 2, 1, 'none'],
    [['timeout', 'error'], false, 2, 1, 'open'],
    [['missed', 'missed'], true, 2, 1, 'update'],
    [['ok', 'missed'], true, 1, 1, 'resolve'],
    [['ok', 'missed'], true, 1, 2, 'none'],
    [['ok', 'ok', 'missed'], true, 1, 2, 'resolve'],
    [['ok'], false, 1, 1, 'none'],
    [[], false, 1, 1, 'none'],
  ])('%o failing=%s thresholds %i/%i → %s', (recent, isFailing, f, r, expected) => {
    expect(step(recent, isFailing, f, r)).toBe(expected);
  });
});
