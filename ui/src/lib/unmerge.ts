// How the issue page describes an unmerge and its progress (pure: unit-tested in unmerge.test.ts).
import type { ApiUnmerge } from './types.js';
import { formatCount } from './format.js';

/** 0–100: the share of the source's events looked at (100 once done). */
export function unmergePercent(u: ApiUnmerge): number {
  if (u.status === 'done') return 100;
  if (u.eventTotal <= 0) return 0;
  return Math.min(99, Math.floor((u.scanned / u.eventTotal) * 100));
}

export function unmergeLabel(u: ApiUnmerge, issueId: string): string {
  const hashes = `${u.hashes.length} hash${u.hashes.length === 1 ? '' : 'es'}`;
  const moved = `${formatCount(u.moved)} event${u.moved === 1 ? '' : 's'} moved`;
  const into = u.source === issueId ? 'into a new issue' : 'from the issue it was split off';
  if (u.status === 'done') return `Unmerged ${hashes} ${into}: ${moved}.`;
  return `Unmerging ${hashes} ${into}: ${formatCount(u.scanned)} of ${formatCount(u.eventTotal)} events looked at, ${moved}.`;
}
