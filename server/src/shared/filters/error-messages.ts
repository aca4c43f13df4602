// Filter "error-message": glob patterns matched against the log message (formatted, else raw)
// and against every exception as `Type: value` (or whichever of the two exists), like Relay.
import { exceptions, text } from './event-fields.js';
import { matchesAny } from './glob.js';
import type { InboundFilter } from './settings.js';

export const errorMessages: InboundFilter = (event, settings) => {
  const patterns = settings.errorMessages;
  if (patterns.length === 0) return null;
  const message = text(event.logentry?.formatted) ?? text(event.logentry?.message);
  if (message !== undefined && matchesAny(patterns, message)) return 'error-message';
  for (const e of exceptions(event)) {
    const type = text(e.type) ?? '';
    const value = text(e.value) ?? '';
    const line = type === '' ? value : value === '' ? type : `${type}: ${value}`;
    if (matchesAny(patterns, line)) return 'error-message';
  }
  return null;
};
