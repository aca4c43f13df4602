import { describe, expect, it } from 'vitest';
import { isValidTimeZone, parseLocalDate, zonedToUtc } from '../../../server/src/oncall/zoned-time.js';

describe('zonedToUtc', () => {
  it.each([
    ['winter time in Berlin', '2024-01-15 09:00', 'Europe/Berlin', '2024-01-15T08:00:00.000Z'],
    ['summer time in Berlin', '2024-07-15 09:00', 'Europe/Berlin', '2024-07-15T07:00:00.000Z'],
    [
      'a wall time skipped by the spring jump lands after it',
      '2024-03-31 02:30',
      'Europe/Berlin',
      '2024-03-31T01:30:00.000Z',
    ],
    [
      'a wall time repeated by the fall-back resolves to its first run',
      '2024-10-27 02:30',
      'Europe/Berlin',
      '2024-10-27T00:30:00.000Z',
    ],
    ['UTC', '2024-02-29 23:59', 'UTC', '2024-02-29T23:59:00.000Z'],
    ['a half-hour zone', '2024-06-01 09:00', 'Asia/Kolkata', '2024-06-01T03:30:00.000Z'],
  ])('%s', (_name, local, zone, expected) => {
    const [date, time] = local.split(' ');
    const d = parseLocalDate(date!)!;
    const [hour, minute] = time!.split(':').map(Number);
    expect(new Date(zonedToUtc({ ...d, hour: hour!, minute: minute! }, zone)).toISOString()).toBe(expected);
  });

  it.each([
    ['Europe/Berlin', true],
    ['UTC', true],
    ['Mars/Olympus', false],
  ])('isValidTimeZone(%s) is %s', (zone, ok) => {
    expect(isValidTimeZone(zone)).toBe(ok);
  });

  it.each([
    ['2024-02-30', null],
    ['2024-02-29', { year: 2024, month: 2, day: 29 }],
    ['24-1-1', null],
  ])('parseLocalDate(%s)', (text, expected) => {
    expect(parseLocalDate(text)).toEqual(expected);
  });
});
