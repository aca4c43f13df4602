// Stage "publish" (after commit): tells the rest of the system about newly stored events — the
// live stream (realtime/publish.ts: compact summaries to the organization's Redis stream) and
// alerting hook in here. It must never throw into the pipeline (the events are already
// committed; the caller logs a failure) and is not called for duplicates.
import type { Deps } from '../deps.js';
import { publishStoredEvents } from '../realtime/publish.js';
import type { StoredEvent } from './prepared.js';

export type PublishDeps = Pick<Deps, 'redis' | 'log' | 'config' | 'pool'>;

export async function publishEvents(deps: PublishDeps, stored: StoredEvent[]): Promise<void> {
  await publishStoredEvents(deps, stored);
}
