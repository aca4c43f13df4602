import { describe, expect, it } from 'vitest';
import { markerPositions } from './markers.js';
import { applyMessages, emptyStream } from './stream.js';

describe('markerPositions', () => {
  const hour = 3600;
  const series: Array<[number, number]> = [
    [0, 1],
    [hour, 2],
    [2 * hour, 0],
    [3 * hour, 5],
  ];
  it.each([
    [0, 0],
    [2 * hour * 1000, 0.5],
    [4 * hour * 1000 - 1, (4 * hour * 1000 - 1) / (4 * hour * 1000)],
  ])('places a change at %d ms at x = %d', (at, x) => {
    expect(markerPositions(series, [{ at, label: 'f', kind: 'flag' }])[0]!.x).toBeCloseTo(x);
  });
  it('leaves out changes outside the span', () => {
    expect(
      markerPositions(series, [
        { at: -1, label: 'f', kind: 'flag' },
        { at: 4 * hour * 1000, label: 'g', kind: 'flag' },
      ]),
    ).toEqual([]);
  });
});

describe('flag-change rows on the stream', () => {
  it('a flag change is a marker row that events never merge across', () => {
    const ev = (id: string) => ({
      type: 'EventCreate' as const,
      eventId: id,
      project: { id: '1', slug: 'p' },
      issue: { id: '9', shortId: 'P-9', title: 't', culprit: 'c', isNew: false, isRegression: false },
      level: 'error',
      release: null,
      environment: null,
      serverName: null,
      timestamp: new Date(0).toISOString(),
      receivedAt: new Date(0).toISOString(),
      publishedAt: new Date(0).toISOString(),
    });
    const flag = {
      type: 'FlagChange' as const,
      change: {
        id: '7',
        flag: 'new-checkout',
        action: 'updated' as const,
        createdBy: 'a@b.c',
        createdAt: new Date(0).toISOString(),
        provider: 'generic',
      },
      publishedAt: new Date(0).toISOString(),
    };
    const s = applyMessages(emptyStream(), [ev('a'), flag, ev('b')], 1000);
    expect(s.rows.map((r) => r.kind)).toEqual(['event', 'flag', 'event']);
    expect(s.total).toBe(2);
  });
});
