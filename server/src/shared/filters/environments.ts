// Filter "environment": glob patterns on the event's environment (e.g. `dev*`, `local`).
import { text } from './event-fields.js';
import { matchesAny } from './glob.js';
import type { InboundFilter } from './settings.js';

export const environments: InboundFilter = (event, settings) => {
  if (settings.environments.length === 0) return null;
  const environment = text(event.environment);
  return environment !== undefined && matchesAny(settings.environments, environment) ? 'environment' : null;
};
