// What a batch of moved events adds up to (tallyMoved, pure): tag values and flag results are
// counted as the pipeline counts them (tally.ts skips empty tag values; tally-flags.ts counts every
// evaluation), each with its first and last sighting.
import { describe, expect, it } from 'vitest';
import { tallyMoved, type MovedEvent } from '../../../server/src/issues/unmerge.js';

const moved = (iso: string, tags: Array<[string, string]>, flags: Array<[string, string]>): MovedEvent => ({
  eventId: iso,
  timestamp: new Date(iso),
  release: null,
  tags,
  flags,
});

describe('tallyMoved', () => {
  const t = tallyMoved([
    moved('2026-01-01T10:00:00.000Z', [['team', 'a']], [['new-checkout', 'true']]),
    moved(
      '2026-01-01T10:30:00.000Z',
      [['team', '']],
      [
        ['new-checkout', 'false'],
        ['variant', ''],
      ],
    ),
    moved('2026-01-01T11:15:00.000Z', [['team', 'a']], [['new-checkout', 'true']]),
  ])!;

  it('counts flag results with their first and last sighting, like tag values', () => {
    expect(t.flags).toEqual([
      {
        key: 'new-checkout',
        value: 'false',
        count: 1,
        firstSeen: '2026-01-01T10:30:00.000Z',
        lastSeen: '2026-01-01T10:30:00.000Z',
      },
      {
        key: 'new-checkout',
        value: 'true',
        count: 2,
        firstSeen: '2026-01-01T10:00:00.000Z',
        lastSeen: '2026-01-01T11:15:00.000Z',
      },
      {
        key: 'variant',
        value: '',
        count: 1,
        firstSeen: '2026-01-01T10:30:00.000Z',
        lastSeen: '2026-01-01T10:30:00.000Z',
      },
    ]);
  });

  it('skips empty tag values but not empty flag results, as the count stage does', () => {
    expect(t.tags).toEqual([
      {
        key: 'team',
        value: 'a',
        count: 2,
        firstSeen: '2026-01-01T10:00:00.000Z',
        lastSeen: '2026-01-01T11:15:00.000Z',
      },
    ]);
    expect(t.hourly).toEqual([
      { hour: '2026-01-01T10:00:00.000Z', count: 2 },
      { hour: '2026-01-01T11:00:00.000Z', count: 1 },
    ]);
  });

  it('is null for no events', () => {
    expect(tallyMoved([])).toBeNull();
  });
});
