// Issue merge (Sentry's bulk PUT with {"merge": 1}), the pure part: which issue survives. As in
// Sentry, the parent is the issue with the most events, ties going to the higher id; the others
// are the children, folded into it by merge-queries.ts.
import { HttpError } from '../api/errors.js';
import { compareIds } from '../db/ids.js';

export interface MergeCandidate {
  id: string;
  projectId: string;
  /** issues.event_count (a bigint travelling as a string). */
  eventCount: string;
}

export interface MergePlan {
  projectId: string;
  parentId: string;
  childIds: string[];
}

export function planMerge(issues: MergeCandidate[]): MergePlan {
  if (issues.length < 2) throw new HttpError(400, 'merge-needs-two-issues', 'select at least two issues to merge');
  const projects = new Set(issues.map((i) => i.projectId));
  if (projects.size > 1)
    throw new HttpError(400, 'merge-across-projects', 'Merging across multiple projects is not supported');
  const sorted = [...issues].sort((a, b) => compareIds(b.eventCount, a.eventCount) || compareIds(b.id, a.id));
  const [parent, ...children] = sorted;
  return { projectId: parent!.projectId, parentId: parent!.id, childIds: children.map((c) => c.id) };
}
