// Stage "group" (inside the batch transaction): finds each event's issue by any of its hashes and
// creates issues for fingerprints seen for the first time. Advisory locks on the (project, hash)
// pairs make concurrent workers agree: one new fingerprint becomes exactly one issue.
import type { Queryable } from '../db/pool.js';
import {
  allocateShortIds,
  findIssueHashes,
  insertIssueHashes,
  insertIssues,
  lockIssueHashes,
  type IssueHashRow,
  type NewIssueRow,
} from '../issues/queries.js';
import { initialIssueState } from '../issues/state.js';
import type { AssignedEvent, PreparedEvent } from './prepared.js';
import { compareIds } from '../db/ids.js';

export interface Grouped {
  assigned: AssignedEvent[];
  /** Events whose project no longer exists. */
  orphaned: PreparedEvent[];
  /** Issues created in this transaction. */
  newIssueIds: string[];
}

interface IssueRef {
  projectId: string;
  issueId?: string;
  /** Set for an issue this batch creates: the event it is created from. */
  creator?: PreparedEvent;
  orphaned?: boolean;
}

export async function group(tx: Queryable, events: PreparedEvent[]): Promise<Grouped> {
  const pairs = uniquePairs(events);
  await lockIssueHashes(tx, pairs);
  const refs = new Map<string, IssueRef>();
  for (const row of await findIssueHashes(tx, pairs))
    refs.set(pairKey(row.projectId, row.hash), { projectId: row.projectId, issueId: row.issueId });

  const refOf: IssueRef[] = [];
  const attach: Array<{ projectId: string; hash: string; ref: IssueRef }> = [];
  for (const e of events) {
    const keys = e.grouping.hashes.map((h) => pairKey(e.projectId, h));
    const found = keys.map((k) => refs.get(k)).find((r) => r !== undefined);
    const ref = found ?? { projectId: e.projectId, creator: e };
    e.grouping.hashes.forEach((hash, i) => {
      if (refs.has(keys[i]!)) return;
      refs.set(keys[i]!, ref);
      attach.push({ projectId: e.projectId, hash, ref });
    });
    refOf.push(ref);
  }

  const created = [...new Set(refOf.filter((r) => r.creator !== undefined))];
  await createIssues(tx, created);
  await insertIssueHashes(
    tx,
    attach
      .filter((a) => a.ref.issueId !== undefined)
      .map((a): IssueHashRow => ({ projectId: a.projectId, hash: a.hash, issueId: a.ref.issueId! }))
      .sort(compareHashRows),
  );

  const assigned: AssignedEvent[] = [];
  const orphaned: PreparedEvent[] = [];
  events.forEach((e, i) => {
    const ref = refOf[i]!;
    if (ref.issueId === undefined) orphaned.push(e);
    else assigned.push({ ...e, issueId: ref.issueId, isNewIssue: ref.creator === e });
  });
  return { assigned, orphaned, newIssueIds: created.flatMap((r) => (r.issueId ? [r.issueId] : [])) };
}

/** Allocates short ids per project (in id order) and inserts the issues in one statement. */
async function createIssues(tx: Queryable, refs: IssueRef[]): Promise<void> {
  const byProject = new Map<string, IssueRef[]>();
  for (const r of refs) byProject.set(r.projectId, [...(byProject.get(r.projectId) ?? []), r]);
  const rows: NewIssueRow[] = [];
  const rowRefs: IssueRef[] = [];
  for (const projectId of [...byProject.keys()].sort(compareIds)) {
    const list = byProject.get(projectId)!;
    const first = await allocateShortIds(tx, projectId, list.length);
    if (first === null) {
      for (const r of list) r.orphaned = true;
      continue;
    }
    list.forEach((r, i) => {
      rows.push(newIssueRow(r.creator!, first + i));
      rowRefs.push(r);
    });
  }
  const ids = await insertIssues(tx, rows);
  ids.forEach((id, i) => (rowRefs[i]!.issueId = id));
}

function newIssueRow(e: PreparedEvent, shortId: number): NewIssueRow {
  const seen = new Date(e.event.timestamp * 1000).toISOString();
  const { basis, hashes, variants } = e.grouping;
  return {
    projectId: e.projectId,
    shortId,
    title: e.summary.title,
    culprit: e.summary.culprit,
    type: e.summary.type,
    level: e.event.level,
    platform: e.event.platform,
    substatus: initialIssueState().substatus ?? 'new',
    metadata: e.summary.metadata,
    grouping: { basis, hashes, variants },
    firstSeen: seen,
    lastSeen: seen,
    firstRelease: e.event.release ?? null,
  };
}

function uniquePairs(events: PreparedEvent[]): Array<{ projectId: string; hash: string }> {
  const seen = new Map<string, { projectId: string; hash: string }>();
  for (const e of events)
    for (const hash of e.grouping.hashes) seen.set(pairKey(e.projectId, hash), { projectId: e.projectId, hash });
  return [...seen.values()];
}

function pairKey(projectId: string, hash: string): string {
  return `${projectId}\u0000${hash}`;
}

function compareHashRows(a: IssueHashRow, b: IssueHashRow): number {
  return compareIds(a.projectId, b.projectId) || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);
}
