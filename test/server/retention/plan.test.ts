import { describe, expect, it } from 'vitest';
import {
  partitionDay,
  partitionDaysAhead,
  partitionsToDrop,
  retentionCutoff,
} from '../../../server/src/retention/plan.js';

describe('retention plan', () => {
  const now = new Date('2026-11-26T15:30:00Z');

  it('cuts off at UTC midnight RETENTION_DAYS back', () => {
    expect(retentionCutoff(now, 90).toISOString()).toBe('2026-08-28T00:00:00.000Z');
    expect(retentionCutoff(now, 1).toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });

  it('drops only partitions whose whole day is before the cutoff, oldest first', () => {
    const names = [
      'events_20261125',
      'events_20261123',
      'events_20261124',
      'events_20261126',
      'events_default',
      'events_2026xx01',
    ];
    expect(partitionsToDrop(names, retentionCutoff(now, 2))).toEqual(['events_20261123']);
    expect(partitionsToDrop(names, retentionCutoff(now, 1))).toEqual(['events_20261123', 'events_20261124']);
  });

  it('reads partition days and the days to create ahead', () => {
    expect(partitionDay('events_20260131')?.toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(partitionDay('issues')).toBeNull();
    expect(partitionDaysAhead(now)).toEqual(['2026-11-26', '2026-11-29']);
  });
});
