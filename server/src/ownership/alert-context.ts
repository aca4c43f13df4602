// What alerts need from ownership and commits, per firing with an event: the owners' e-mail
// addresses (the `owners` action; null when no rule matched, so the action falls back to the
// on-call person) and one line per suspect commit for the e-mail body.
import type { Queryable } from '../db/pool.js';
import { findEventCommitters } from '../commits/committers.js';
import { findIssueFirstRelease } from '../commits/queries.js';
import { findEvent } from '../events/read-queries.js';
import { findEventOwners, ownerEmails } from './owners.js';
import { listOwnerships } from './queries.js';

export interface OwnerContext {
  /** Null when no ownership rule matched the event. */
  ownerEmails: string[] | null;
  /** The project's fallthrough: with no owners, the owners action falls back to the on-call person. */
  fallthrough: boolean;
  suspects: string[];
}

const MAX_SUSPECT_LINES = 3;

export async function loadOwnerContext(
  db: Queryable,
  firing: { projectId: string; issueId: string | null; eventId: string | null; withOwners: boolean },
): Promise<OwnerContext> {
  if (!firing.eventId || !firing.issueId) return { ownerEmails: null, fallthrough: true, suspects: [] };
  const row = await findEvent(db, {
    projectId: firing.projectId,
    issueId: null,
    pick: { kind: 'id', eventId: firing.eventId },
  });
  const ownership = (await listOwnerships(db, [firing.projectId])).get(firing.projectId);
  if (!row || !ownership) return { ownerEmails: null, fallthrough: true, suspects: [] };
  const firstRelease = await findIssueFirstRelease(db, firing.issueId);
  const committers = await findEventCommitters(db, {
    organizationId: ownership.organizationId,
    projectId: firing.projectId,
    version: firstRelease ?? row.release,
    environment: row.environment,
    payload: row.payload,
  });
  const suspects = committers
    .flatMap((c) => c.commits)
    .slice(0, MAX_SUSPECT_LINES)
    .map(
      (c) =>
        `${c.id.slice(0, 12)} by ${c.author?.name ?? c.author?.email ?? 'unknown'}${c.author?.email ? ` <${c.author.email}>` : ''}: ${(c.message ?? '').split('\n')[0]!.slice(0, 200)}`,
    );
  if (!firing.withOwners) return { ownerEmails: null, fallthrough: ownership.fallthrough, suspects };
  const { owners } = await findEventOwners(db, ownership, row.payload);
  return { ownerEmails: owners.length > 0 ? ownerEmails(owners) : null, fallthrough: ownership.fallthrough, suspects };
}
