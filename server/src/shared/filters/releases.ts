// Filter "release-version": glob patterns on the event's release (e.g. `1.0.*`, `*-dev`).
import { text } from './event-fields.js';
import { matchesAny } from './glob.js';
import type { InboundFilter } from './settings.js';

export const releases: InboundFilter = (event, settings) => {
  if (settings.releases.length === 0) return null;
  const release = text(event.release);
  return release !== undefined && matchesAny(settings.releases, release) ? 'release-version' : null;
};
