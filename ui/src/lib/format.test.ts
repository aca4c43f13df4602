import { describe, expect, it } from 'vitest';
import {
  assigneeLabel,
  assigneeValue,
  displayValue,
  issueHeadline,
  formatAge,
  formatClock,
  formatCount,
  formatDateTime,
  formatDuration,
  formatRateChange,
  formatRelative,
  normalizeLevel,
  truncateMiddle,
} from './format.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1234, '1.2k'],
    [15_300, '15k'],
    [2_500_000, '2.5M'],
    ['4100', '4.1k'],
    ['nope', '0'],
  ])('%j → %s', (n, out) => expect(formatCount(n)).toBe(out));
});

describe('formatRelative', () => {
  it.each([
    ['2026-11-26T11:59:58Z', 'just now'],
    ['2026-11-26T11:59:15Z', '45s ago'],
    ['2026-11-26T11:57:00Z', '3m ago'],
    ['2026-11-26T07:00:00Z', '5h ago'],
    ['2026-11-24T12:00:00Z', '2d ago'],
    ['2026-09-01T00:00:00Z', '2026-09-01'],
    ['2026-11-26T12:10:00Z', 'in 10m'],
    ['garbage', '—'],
  ])('%s → %s', (t, out) => expect(formatRelative(t, NOW)).toBe(out));
});

describe('formatDuration', () => {
  it.each([
    [0.4, '0 ms'],
    [87, '87 ms'],
    [1530, '1.53 s'],
    [12_340, '12.3 s'],
    [125_000, '2m 5s'],
    [-20, '-20 ms'],
  ])('%d → %s', (ms, out) => expect(formatDuration(ms)).toBe(out));
});

describe('other formatters', () => {
  it('formats absolute times in UTC', () => {
    expect(formatDateTime('2026-11-26T14:03:07.5Z')).toBe('2026-11-26 14:03:07 UTC');
    expect(formatClock(Date.parse('2026-11-26T14:03:07.123Z'))).toBe('14:03:07.123');
  });
  it.each([
    ['warn', 'warning'],
    ['CRITICAL', 'fatal'],
    ['info', 'info'],
    [null, 'error'],
    ['weird', 'error'],
  ])('normalizes level %j', (l, out) => expect(normalizeLevel(l)).toBe(out));
  it('truncates in the middle', () => {
    expect(truncateMiddle('abcdefghij', 7)).toBe('abc…hij');
    expect(truncateMiddle('short', 10)).toBe('short');
  });
  it('displays values as text, never markup', () => {
    expect(displayValue('<b>x</b>')).toBe('<b>x</b>');
    expect(displayValue({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(displayValue(null)).toBe('');
  });
});

describe('issueHeadline', () => {
  it.each([
    [
      { title: 'TypeError: x is undefined', metadata: { type: 'TypeError', value: 'x is undefined' } },
      { main: 'TypeError', rest: 'x is undefined' },
    ],
    [
      { title: 'DbError: timeout', metadata: {} },
      { main: 'DbError', rest: 'timeout' },
    ],
    [
      { title: 'checkout took 31 ms', metadata: {} },
      { main: 'checkout took 31 ms', rest: '' },
    ],
  ])('%j', (issue, out) => expect(issueHeadline(issue)).toEqual(out));
});

describe('formatAge', () => {
  it.each([
    ['2026-11-26T11:59:58Z', 'new'],
    ['2026-11-26T11:57:00Z', '3m old'],
    ['2026-09-01T00:00:00Z', '2026-09-01'],
  ])('%s → %s', (t, out) => expect(formatAge(t, NOW)).toBe(out));
});

describe('formatRateChange', () => {
  it.each([
    [2, 0, '×0'], // nothing yet after the change: not a jump
    [2, 8, '×4'],
    [3, 1, '×0.33'],
    [0, 5, 'new'],
    [0, 0, '—'],
  ])('%d/min before, %d/min after: %s', (before, after, shown) => {
    expect(formatRateChange(before, after)).toBe(shown);
  });
});

describe('assignee', () => {
  it.each([
    [{ type: 'team', id: '7', name: 'backend' }, '#backend', 'team:7'],
    [{ type: 'user', id: '3', name: 'Ann', email: 'ann@example.com' }, 'Ann', 'user:3'],
    [{ type: 'user', id: '3', name: '', email: 'ann@example.com' }, 'ann@example.com', 'user:3'],
  ] as const)('%j → %s, %s', (a, label, value) => {
    expect(assigneeLabel(a)).toBe(label);
    expect(assigneeValue(a)).toBe(value);
  });

  it('unassigned is the empty choice', () => {
    expect(assigneeValue(null)).toBe('');
  });
});
