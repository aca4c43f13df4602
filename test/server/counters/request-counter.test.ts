import { describe, expect, it } from 'vitest';
import { parseRequestCounter, spreadOverMinutes } from '../../../server/src/counters/request-counter.js';

const at = (iso: string) => Date.parse(iso) / 1000;
const ctx = { projectId: '7', receivedAt: Date.parse('2026-11-26T02:10:30Z') };

describe('spreadOverMinutes', () => {
  it.each([
    [
      'inside one minute',
      12,
      at('2026-11-26T02:10:10Z'),
      at('2026-11-26T02:10:20Z'),
      [['2026-11-26T02:10:00.000Z', 12]],
    ],
    [
      'an empty interval goes to the minute of its end',
      5,
      at('2026-11-26T02:10:20Z'),
      at('2026-11-26T02:10:20Z'),
      [['2026-11-26T02:10:00.000Z', 5]],
    ],
    [
      'ending on a minute boundary stays in the minute before',
      4,
      at('2026-11-26T02:09:50Z'),
      at('2026-11-26T02:10:00Z'),
      [['2026-11-26T02:09:00.000Z', 4]],
    ],
    [
      'across a boundary, by overlap',
      10,
      at('2026-11-26T02:09:56Z'),
      at('2026-11-26T02:10:06Z'),
      [
        ['2026-11-26T02:09:00.000Z', 4],
        ['2026-11-26T02:10:00.000Z', 6],
      ],
    ],
    [
      'whole numbers that add up (largest remainder)',
      10,
      at('2026-11-26T02:09:00Z'),
      at('2026-11-26T02:12:00Z'),
      [
        ['2026-11-26T02:09:00.000Z', 3],
        ['2026-11-26T02:10:00.000Z', 3],
        ['2026-11-26T02:11:00.000Z', 4],
      ],
    ],
    [
      'minutes that get nothing are left out',
      1,
      at('2026-11-26T02:09:00Z'),
      at('2026-11-26T02:12:00Z'),
      [['2026-11-26T02:11:00.000Z', 1]],
    ],
    ['nothing to spread', 0, at('2026-11-26T02:09:00Z'), at('2026-11-26T02:12:00Z'), []],
  ])('%s', (_name, total, start, end, expected) => {
    expect(spreadOverMinutes(total, start, end)).toEqual(expected);
  });

  it('keeps the total for odd intervals', () => {
    const rows = spreadOverMinutes(1_234_567, at('2026-11-26T01:00:17.3Z'), at('2026-11-26T01:41:05.9Z'));
    expect(rows).toHaveLength(42);
    expect(rows.reduce((n, [, r]) => n + r, 0)).toBe(1_234_567);
  });
});

describe('parseRequestCounter', () => {
  const payload = {
    requests: 1250,
    interval: 10.002,
    server_name: 'web-1',
    release: 'shop@1.4.2',
    environment: 'production',
    timestamp: at('2026-11-26T02:10:05Z'),
  };

  it('counts the requests per minute with host, release and environment', () => {
    expect(parseRequestCounter(payload, ctx)).toEqual([
      {
        projectId: '7',
        environment: 'production',
        serverName: 'web-1',
        release: 'shop@1.4.2',
        minute: '2026-11-26T02:09:00.000Z',
        requests: 625,
      },
      {
        projectId: '7',
        environment: 'production',
        serverName: 'web-1',
        release: 'shop@1.4.2',
        minute: '2026-11-26T02:10:00.000Z',
        requests: 625,
      },
    ]);
  });

  it('stores unknown host, release and environment as empty strings', () => {
    const rows = parseRequestCounter(
      { requests: 3, interval: 1, timestamp: at('2026-11-26T02:10:05Z'), release: 'latest', environment: 'a b' },
      ctx,
    );
    expect(rows).toEqual([
      { projectId: '7', environment: '', serverName: '', release: '', minute: '2026-11-26T02:10:00.000Z', requests: 3 },
    ]);
  });

  it('uses the received time for a missing or far-off timestamp and caps the interval at an hour', () => {
    expect(parseRequestCounter({ requests: 2, timestamp: at('2030-01-01T00:00:00Z') }, ctx)?.[0]?.minute).toBe(
      '2026-11-26T02:10:00.000Z',
    );
    const rows = parseRequestCounter({ requests: 61, interval: 86_400, timestamp: at('2026-11-26T02:10:00Z') }, ctx)!;
    expect(rows[0]?.minute).toBe('2026-11-26T01:10:00.000Z');
    expect(rows.reduce((n, r) => n + r.requests, 0)).toBe(61);
  });

  it.each([
    ['not an object', 'x'],
    ['no requests', { interval: 10 }],
    ['negative requests', { requests: -1 }],
    ['fractional requests', { requests: 1.5 }],
    ['absurd requests', { requests: 1e15 }],
    ['requests as a string', { requests: '10' }],
  ])('rejects %s', (_name, p) => {
    expect(parseRequestCounter(p, ctx)).toBeNull();
  });

  it('accepts zero requests as nothing to count', () => {
    expect(parseRequestCounter({ requests: 0 }, ctx)).toEqual([]);
  });
});
