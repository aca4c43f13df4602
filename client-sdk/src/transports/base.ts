// The part every transport shares (sentry-javascript `createTransport`): drop items whose
// category is rate limited, run the request inside the bounded buffer, learn new limits from
// the response, and record each lost item by reason. Client reports are never recorded as lost
// (no feedback loop); their counts go back to the client to be sent later instead.

import { itemCategory } from '../envelope.js';
import type {
  ClientReport,
  DropReason,
  Envelope,
  EnvelopeItem,
  RequestResult,
  Transport,
  TransportOptions,
} from '../types.js';
import { createPromiseBuffer } from './buffer.js';
import { isRateLimited, updateRateLimits, type RateLimits } from './rate-limit.js';

/** Sends one envelope; resolves with what happened, rejects on network failure. */
export type MakeRequest = (envelope: Envelope) => Promise<RequestResult>;

export function createTransport(
  options: TransportOptions,
  makeRequest: MakeRequest,
  now: () => number = Date.now,
): Transport {
  const buffer = createPromiseBuffer(options.bufferSize);
  let limits: RateLimits = {};

  /** Records lost items; our own client reports go back to the client unless the server refused them. */
  function lose(items: EnvelopeItem[], reason: DropReason, serverRefused = false): void {
    for (const item of items) {
      if (item[0].type !== 'client_report') options.recordDroppedEvent(reason, itemCategory(item));
      else if (!serverRefused) options.restoreClientReport(item[1] as ClientReport);
    }
  }

  function handle(result: RequestResult, items: EnvelopeItem[]): void {
    if (result.kind === 'dropped') return lose(items, result.reason);
    // Limits may come with any status, 200 included.
    limits = updateRateLimits(limits, result, now());
    const status = result.statusCode;
    if (status === undefined || (status >= 200 && status < 300)) return;
    if (status === 429) {
      // The server counted what it refused; only our own reports need to be kept.
      for (const item of items)
        if (item[0].type === 'client_report') options.restoreClientReport(item[1] as ClientReport);
      return;
    }
    // A report the server refused would be refused again: not kept.
    lose(items, 'send_error', true);
  }

  function send([header, items]: Envelope): Promise<void> {
    try {
      const t = now();
      const limited = items.filter((item) => isRateLimited(limits, itemCategory(item), t));
      const kept = items.filter((item) => !limited.includes(item));
      lose(limited, 'ratelimit_backoff');
      if (kept.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const accepted = buffer.add(async () => {
          try {
            handle(await makeRequest([header, kept]), kept);
          } catch {
            lose(kept, 'network_error');
          } finally {
            resolve();
          }
        });
        if (!accepted) {
          lose(kept, 'queue_overflow');
          resolve();
        }
      });
    } catch {
      return Promise.resolve();
    }
  }

  return { send, flush: (timeout) => buffer.drain(timeout) };
}
