// The event an event-scoped commit route (committers, source links, owners) is about.
import type { Deps } from '../deps.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import { findEvent, type EventRow } from '../events/read-queries.js';

/** An event of the project by its 32-hex (or hyphenated) id; 400 for anything else. */
export async function findEventById(deps: Pick<Deps, 'pool'>, projectId: string, raw: string): Promise<EventRow> {
  const eventId = raw.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(eventId))
    throw new HttpError(400, 'invalid-event-id', 'eventId: expected 32 hexadecimal characters');
  const row = await findEvent(deps.pool, { projectId, issueId: null, pick: { kind: 'id', eventId } });
  if (!row) throw new NotFoundError('event-not-found', 'event not found');
  return row;
}
