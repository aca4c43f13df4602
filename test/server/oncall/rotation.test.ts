import { describe, expect, it } from 'vitest';
import { whoIsOnCall, type Override, type Schedule } from '../../../server/src/oncall/rotation.js';

const at = (iso: string) => Date.parse(iso);

// Weekly rotation, hand-off Mondays 09:00 Berlin time. Europe switches to summer time on
// 2024-03-31, so the 2024-04-01 hand-off is at 07:00Z while the 2024-03-25 one was at 08:00Z.
const weekly: Schedule = {
  memberIds: ['ana', 'ben', 'cy'],
  rotationLength: 1,
  rotationUnit: 'weeks',
  handoffTime: '09:00',
  timeZone: 'Europe/Berlin',
  startDate: '2024-03-25',
};
const cover: Override[] = [
  { id: '1', userId: 'cy', start: at('2024-03-27T12:00:00Z'), end: at('2024-03-28T12:00:00Z') },
];

describe('whoIsOnCall', () => {
  it.each([
    [
      'before the first hand-off nobody is on call',
      weekly,
      [],
      '2024-03-25T07:59:00Z',
      null,
      null,
      'ana',
      '2024-03-25T08:00:00.000Z',
    ],
    [
      'the first member starts at the first hand-off',
      weekly,
      [],
      '2024-03-25T08:00:00Z',
      'ana',
      '2024-04-01T07:00:00.000Z',
      'ben',
      '2024-04-01T07:00:00.000Z',
    ],
    [
      'one minute before the hand-off (summer time) it is still the first member',
      weekly,
      [],
      '2024-04-01T06:59:00Z',
      'ana',
      '2024-04-01T07:00:00.000Z',
      'ben',
      '2024-04-01T07:00:00.000Z',
    ],
    [
      'at the hand-off 09:00 local the next member takes over',
      weekly,
      [],
      '2024-04-01T07:00:00Z',
      'ben',
      '2024-04-08T07:00:00.000Z',
      'cy',
      '2024-04-08T07:00:00.000Z',
    ],
    [
      'the rotation wraps around',
      weekly,
      [],
      '2024-04-15T07:00:00Z',
      'ana',
      '2024-04-22T07:00:00.000Z',
      'ben',
      '2024-04-22T07:00:00.000Z',
    ],
    [
      'an override replaces the rotation while it lasts',
      weekly,
      cover,
      '2024-03-27T13:00:00Z',
      'cy',
      '2024-03-28T12:00:00.000Z',
      'ana',
      '2024-03-28T12:00:00.000Z',
    ],
    [
      'an upcoming override cuts the current shift short',
      weekly,
      cover,
      '2024-03-26T00:00:00Z',
      'ana',
      '2024-03-27T12:00:00.000Z',
      'cy',
      '2024-03-27T12:00:00.000Z',
    ],
    [
      'after the override the rotation resumes',
      weekly,
      cover,
      '2024-03-28T12:00:00Z',
      'ana',
      '2024-04-01T07:00:00.000Z',
      'ben',
      '2024-04-01T07:00:00.000Z',
    ],
    [
      'a later override wins over an earlier one',
      weekly,
      [...cover, { id: '2', userId: 'ben', start: at('2024-03-27T18:00:00Z'), end: at('2024-03-27T20:00:00Z') }],
      '2024-03-27T19:00:00Z',
      'ben',
      '2024-03-27T20:00:00.000Z',
      'cy',
      '2024-03-27T20:00:00.000Z',
    ],
    [
      'every two days in New York, hand-off 18:30 local',
      {
        memberIds: ['ana', 'ben'],
        rotationLength: 2,
        rotationUnit: 'days',
        handoffTime: '18:30',
        timeZone: 'America/New_York',
        startDate: '2024-11-01',
      },
      [],
      '2024-11-03T23:29:00Z',
      'ana',
      '2024-11-03T23:30:00.000Z',
      'ben',
      '2024-11-03T23:30:00.000Z',
    ],
    [
      'New York after the fall-back still hands off at 18:30 local',
      {
        memberIds: ['ana', 'ben'],
        rotationLength: 2,
        rotationUnit: 'days',
        handoffTime: '18:30',
        timeZone: 'America/New_York',
        startDate: '2024-11-01',
      },
      [],
      '2024-11-03T23:30:00Z',
      'ben',
      '2024-11-05T23:30:00.000Z',
      'ana',
      '2024-11-05T23:30:00.000Z',
    ],
    [
      'a one-member rotation has no next person',
      { ...weekly, memberIds: ['ana'] },
      [],
      '2024-04-02T00:00:00Z',
      'ana',
      '2024-04-08T07:00:00.000Z',
      null,
      null,
    ],
    [
      'an override before the rotation starts',
      weekly,
      [{ id: '3', userId: 'cy', start: at('2024-03-20T00:00:00Z'), end: at('2024-03-21T00:00:00Z') }],
      '2024-03-20T10:00:00Z',
      'cy',
      '2024-03-21T00:00:00.000Z',
      'ana',
      '2024-03-25T08:00:00.000Z',
    ],
  ] as Array<[string, Schedule, Override[], string, string | null, string | null, string | null, string | null]>)(
    '%s',
    (_name, schedule, overrides, now, who, until, next, nextFrom) => {
      const r = whoIsOnCall(schedule, overrides, at(now));
      expect(r.current?.userId ?? null).toBe(who);
      expect(r.current?.end == null ? null : new Date(r.current.end).toISOString()).toBe(until);
      expect(r.next?.userId ?? null).toBe(next);
      expect(r.next ? new Date(r.next.start).toISOString() : null).toBe(nextFrom);
    },
  );
});
