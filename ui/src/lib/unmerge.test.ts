import { describe, expect, it } from 'vitest';
import type { ApiUnmerge } from './types.js';
import { unmergeLabel, unmergePercent } from './unmerge.js';

const u = (over: Partial<ApiUnmerge>): ApiUnmerge => ({
  id: '1',
  status: 'running',
  source: '10',
  destination: '11',
  hashes: ['a'],
  eventTotal: 200,
  scanned: 50,
  moved: 20,
  dateCreated: '',
  dateFinished: null,
  ...over,
});

describe('unmerge progress', () => {
  it.each<[Partial<ApiUnmerge>, number]>([
    [{}, 25],
    [{ scanned: 200 }, 99], // scanned all, not finished yet: never shows 100 early
    [{ eventTotal: 0, scanned: 0 }, 0],
    [{ status: 'done', scanned: 3 }, 100],
  ])('%j → %i %', (over, pct) => {
    expect(unmergePercent(u(over))).toBe(pct);
  });

  it('names what moves and where, from either side', () => {
    expect(unmergeLabel(u({}), '10')).toBe(
      'Unmerging 1 hash into a new issue: 50 of 200 events looked at, 20 events moved.',
    );
    expect(unmergeLabel(u({ status: 'done', hashes: ['a', 'b'], moved: 1 }), '11')).toBe(
      'Unmerged 2 hashes from the issue it was split off: 1 event moved.',
    );
  });
});
