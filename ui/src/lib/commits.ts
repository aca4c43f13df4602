// Commit display helpers (pure): short ids, the subject line of a message, an author's label.
import type { ApiCommit, ApiSuspectCommit, EvidenceCommit } from './types.js';

export const shortSha = (id: string): string => (/^[0-9a-f]{13,}$/i.test(id) ? id.slice(0, 12) : id);

export const subject = (message: string | null): string => (message ?? '').split('\n')[0]!.trim() || '(no message)';

export function authorLabel(c: Pick<ApiCommit | ApiSuspectCommit | EvidenceCommit, 'author'>): string {
  return c.author?.name || c.author?.email || 'unknown author';
}

/** Commit ids the deploy health names as suspects of its new issues and regressions. */
export function suspectIds(lists: Array<Array<{ suspectCommits?: EvidenceCommit[] }>>): Set<string> {
  return new Set(lists.flat().flatMap((i) => (i.suspectCommits ?? []).map((c) => c.id)));
}
