// Envelope construction and serialization (develop docs "Envelopes"): one JSON header line,
// then per item a JSON item-header line and a JSON payload line; no item carries `length`
// (JSON.stringify never emits a raw newline) and there is no trailing newline.

import type {
  ClientReport,
  CounterPayload,
  DataCategory,
  Envelope,
  EnvelopeHeader,
  EnvelopeItem,
  Event,
  SessionPayload,
} from './types.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

function baseHeader(): EnvelopeHeader {
  return { sent_at: new Date().toISOString(), sdk: { name: SDK_NAME, version: SDK_VERSION } };
}

/** An event envelope; `extraItems` lets a client report ride along. */
export function createEventEnvelope(event: Event, extraItems: EnvelopeItem[] = []): Envelope {
  const header = baseHeader();
  if (event.event_id) header.event_id = event.event_id;
  return [header, [[{ type: 'event' }, event], ...extraItems]];
}

/** A user-feedback envelope: the feedback event as a `feedback` item (Relay: `contexts.feedback`). */
export function createFeedbackEnvelope(event: Event): Envelope {
  const header = baseHeader();
  if (event.event_id) header.event_id = event.event_id;
  return [header, [[{ type: 'feedback' }, event]]];
}

export function createClientReportEnvelope(report: ClientReport): Envelope {
  return [baseHeader(), [[{ type: 'client_report' }, report]]];
}

export function createCounterEnvelope(counter: CounterPayload, extraItems: EnvelopeItem[] = []): Envelope {
  return [baseHeader(), [[{ type: 'faultline_counter' }, counter], ...extraItems]];
}

export function createSessionEnvelope(session: SessionPayload): Envelope {
  return [baseHeader(), [[{ type: 'session' }, session]]];
}

/** The envelope's text. Throws only if a payload cannot be stringified (the caller drops it). */
export function serializeEnvelope([header, items]: Envelope): string {
  const lines = [JSON.stringify(header)];
  for (const [itemHeader, payload] of items) {
    lines.push(JSON.stringify(itemHeader), JSON.stringify(payload));
  }
  return lines.join('\n');
}

/** The envelope's text, or null when a payload cannot be stringified (e.g. a cycle added by beforeSend). */
export function trySerialize(envelope: Envelope): string | null {
  try {
    return serializeEnvelope(envelope);
  } catch {
    return null;
  }
}

/** Rate-limit and client-report category of an item (JS SDK: event → error, client_report → internal). */
export function itemCategory(item: EnvelopeItem): DataCategory {
  switch (item[0].type) {
    case 'event':
      return 'error';
    case 'client_report':
      return 'internal';
    case 'faultline_counter':
      return 'counter';
    case 'session':
      return 'session';
    case 'feedback':
      return 'feedback';
  }
}

export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
