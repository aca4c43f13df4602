// Counts events the SDK dropped, by reason and category, until they are sent as a
// `client_report` item (develop docs "Client Reports"): periodically, on flush/close, or
// riding along with the next event envelope.

import type { ClientReport, DataCategory, DropReason } from './types.js';

export interface OutcomeRecorder {
  record(reason: DropReason, category: DataCategory, quantity?: number): void;
  /** Puts back the counts of a report that could not be delivered. */
  restore(report: ClientReport): void;
  /** The pending counts as a report (and resets them), or null if there are none. */
  take(nowSeconds: number): ClientReport | null;
  hasPending(): boolean;
}

export function createOutcomeRecorder(): OutcomeRecorder {
  const counts = new Map<string, { reason: DropReason; category: DataCategory; quantity: number }>();
  const recorder: OutcomeRecorder = {
    record(reason, category, quantity = 1) {
      const key = `${reason}:${category}`;
      const entry = counts.get(key);
      if (entry) entry.quantity += quantity;
      else counts.set(key, { reason, category, quantity });
    },
    restore(report) {
      for (const d of report.discarded_events) recorder.record(d.reason, d.category, d.quantity);
    },
    take(nowSeconds) {
      if (counts.size === 0) return null;
      const report: ClientReport = { timestamp: nowSeconds, discarded_events: [...counts.values()] };
      counts.clear();
      return report;
    },
    hasPending: () => counts.size > 0,
  };
  return recorder;
}
