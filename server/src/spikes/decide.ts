// Spike protection's pure decision (docs/ingest-protection.md): within one issue and minute the
// first `threshold` events are stored; past it, an event is stored only when its id hashes below
// the sample rate. The hash makes the decision for a given event id the same on every delivery.
import { createHash } from 'node:crypto';

export interface SpikeSettings {
  /** Events per issue and minute stored in full; 0 switches spike protection off. */
  threshold: number;
  /** Share of the events past the threshold that are still stored (0..1). */
  sampleRate: number;
}

/** A stable number in [0, 1) for an event id. */
export function sampleKey(eventId: string): number {
  return createHash('sha256').update(eventId).digest().readUInt32BE(0) / 0x1_0000_0000;
}

/** `rank`: the event's position in its issue's minute (1 = first). */
export function shouldStore(rank: number, eventId: string, s: SpikeSettings): boolean {
  if (s.threshold <= 0 || rank <= s.threshold) return true;
  return sampleKey(eventId) < s.sampleRate;
}

/** The minute an event counts in: the fixed received time, so a re-delivery lands in the same one. */
export function minuteOf(receivedAtMs: number): number {
  return Math.floor(receivedAtMs / 60_000);
}
