// Stage "store" (inside the batch transaction, after group): inserts the events. The insert
// skips events already stored (same project, id and clamped timestamp), and only the events it
// really inserted move on to count — this is what makes redelivery and worker crashes harmless.
import type { Queryable } from '../db/pool.js';
import { eventKey, findStoredEventKeys, insertEvents, type NewEventRow } from '../events/queries.js';
import { deleteIssues } from '../issues/queries.js';
import { compareIds } from '../db/ids.js';
import type { AssignedEvent } from './prepared.js';
import { isDatedByReceipt } from './normalize.js';
import { iso } from './tally.js';

/** Returns the events that were newly inserted (a subset of `events`, same order). */
export async function store(tx: Queryable, events: AssignedEvent[], newIssueIds: string[]): Promise<AssignedEvent[]> {
  // Sorted so that two transactions inserting the same ids wait for each other in one order.
  const sorted = [...events].sort(
    (a, b) => compareIds(a.projectId, b.projectId) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
  );
  // An event dated by its receipt gets another timestamp when it is sent again, so the primary
  // key cannot recognize the copy: look its id up in every partition instead (rare: SDKs date
  // their events).
  const stale = await findStoredEventKeys(
    tx,
    sorted.filter((e) => isDatedByReceipt(e.event)),
  );
  const inserted = await insertEvents(
    tx,
    sorted.filter((e) => !stale.has(eventKey(e.projectId, e.eventId))).map(eventRow),
  );
  const stored = events.filter((e) => inserted.has(eventKey(e.projectId, e.eventId)));
  // A new issue whose every event turned out to be stored already (its old issue was deleted
  // but the events were not) would stay empty: drop it again.
  const used = new Set(stored.map((e) => e.issueId));
  await deleteIssues(
    tx,
    newIssueIds.filter((id) => !used.has(id)),
  );
  return stored;
}

/** What events.payload holds: the normalized event plus what the pipeline derived from it. */
export function storedPayload(e: AssignedEvent): Record<string, unknown> {
  return {
    ...e.event,
    type: e.summary.type,
    tags: e.tags,
    title: e.summary.title,
    culprit: e.summary.culprit,
    metadata: e.summary.metadata,
    hashes: e.grouping.hashes,
  };
}

function eventRow(e: AssignedEvent): NewEventRow {
  return {
    projectId: e.projectId,
    eventId: e.eventId,
    timestamp: iso(e.event.timestamp),
    receivedAt: iso(e.receivedAt / 1000),
    issueId: e.issueId,
    level: e.event.level,
    release: e.event.release ?? null,
    environment: e.event.environment ?? null,
    serverName: e.event.server_name ?? null,
    userKey: e.userKey ?? null,
    title: e.summary.title,
    primaryHash: e.grouping.hashes[0] ?? null,
    payload: JSON.stringify(storedPayload(e)),
  };
}
