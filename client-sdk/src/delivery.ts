// Delivery side of the client: hands envelopes to the transport, keeps track of work in flight
// for flush(), and sends the request counter and client reports (periodically on unref'd timers,
// riding along with events, on flush, at Node's beforeExit and when a browser page is hidden).

import type { OutcomeRecorder } from './client-reports.js';
import { createRequestCounter } from './counter.js';
import {
  createClientReportEnvelope,
  createCounterEnvelope,
  createEventEnvelope,
  createFeedbackEnvelope,
  createSessionEnvelope,
} from './envelope.js';
import { nodeProcess, nowSeconds } from './runtime.js';
import { settleWithin } from './transports/buffer.js';
import type { ClientReportItem, Event, SessionPayload, Transport } from './types.js';

export interface DeliveryOptions {
  transport: Transport;
  outcomes: OutcomeRecorder;
  serverName?: string;
  release?: string;
  environment: string;
  counterInterval: number;
  clientReportInterval: number;
  shutdownTimeout: number;
  debug: (message: string, err?: unknown) => void;
  /** Node's beforeExit, before the last flush (the session ends there). */
  onExit?: () => void;
  /** A browser page was hidden (the session's state is sent again). */
  onHidden?: () => void;
}

export interface Delivery {
  /** Runs `work` (e.g. beforeSend then sendEvent) as tracked work that flush() waits for. */
  track(work: Promise<void>): void;
  /** Sends an event; pending client reports ride along. */
  sendEvent(event: Event): Promise<void>;
  /** Sends a feedback event (a `feedback` item). */
  sendFeedback(event: Event): Promise<void>;
  recordRequest(n: number): void;
  /** Sends a session update as tracked work. */
  sendSession(session: SessionPayload): void;
  flush(timeout?: number): Promise<boolean>;
  /** Stops timers and hooks and releases the transport (flush first). */
  stop(): void;
}

export function createDelivery(o: DeliveryOptions): Delivery {
  const { transport, outcomes, debug } = o;
  const counter = createRequestCounter();
  const pending = new Set<Promise<void>>();
  const timers: Array<ReturnType<typeof setInterval>> = [];
  let counterStarted = false;
  let exitFlushDone = false;

  function track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => debug('sending failed', err));
    pending.add(tracked);
    void tracked.then(() => pending.delete(tracked));
  }

  function takeReportItem(): ClientReportItem[] {
    const report = outcomes.take(nowSeconds());
    return report ? [[{ type: 'client_report' }, report]] : [];
  }

  function sendCounter(): void {
    try {
      const taken = counter.take(nowSeconds());
      if (!taken) return;
      const payload = {
        ...taken,
        ...(o.serverName ? { server_name: o.serverName } : {}),
        ...(o.release ? { release: o.release } : {}),
        environment: o.environment,
        timestamp: nowSeconds(),
      };
      track(transport.send(createCounterEnvelope(payload, takeReportItem())));
    } catch (err) {
      debug('counter report failed', err);
    }
  }

  function sendClientReport(): void {
    try {
      const report = outcomes.take(nowSeconds());
      if (report) track(transport.send(createClientReportEnvelope(report)));
    } catch (err) {
      debug('client report failed', err);
    }
  }

  async function flush(timeout?: number): Promise<boolean> {
    try {
      const deadline = timeout === undefined ? undefined : Date.now() + timeout;
      const left = (): number | undefined => (deadline === undefined ? undefined : Math.max(0, deadline - Date.now()));
      // Events first; what they lose on the way is then reported in the same flush.
      let ok = await settleWithin([...pending], left());
      ok = (await transport.flush(left())) && ok;
      sendCounter();
      sendClientReport();
      ok = (await settleWithin([...pending], left())) && ok;
      return (await transport.flush(left())) && ok;
    } catch (err) {
      debug('flush failed', err);
      return false;
    }
  }

  function startTimer(seconds: number, fn: () => void): void {
    if (!(seconds > 0)) return;
    const timer = setInterval(fn, seconds * 1000);
    // Periodic reports must never keep the host process alive.
    (timer as { unref?: () => void }).unref?.();
    timers.push(timer);
  }

  // Node: last chance to deliver when the event loop runs dry (not on process.exit()). Once per
  // batch of new events/requests: our own flush work (a report failing and coming back) must not
  // re-arm it, or beforeExit would loop forever.
  const onBeforeExit = (): void => {
    if (exitFlushDone) return;
    exitFlushDone = true;
    o.onExit?.();
    void flush(o.shutdownTimeout);
  };
  // Browser: the page may be going away; send what we have.
  const onVisibility = (): void => {
    if ((globalThis as { document?: { visibilityState?: string } }).document?.visibilityState !== 'hidden') return;
    o.onHidden?.();
    sendCounter();
    sendClientReport();
  };
  const target = globalThis as {
    addEventListener?: (t: string, l: () => void) => void;
    removeEventListener?: (t: string, l: () => void) => void;
  };

  startTimer(o.clientReportInterval, sendClientReport);
  try {
    nodeProcess()?.on('beforeExit', onBeforeExit);
    target.addEventListener?.('visibilitychange', onVisibility);
  } catch {
    // no exit hooks then
  }

  return {
    track,
    sendEvent(event) {
      exitFlushDone = false;
      return transport.send(createEventEnvelope(event, takeReportItem()));
    },
    sendFeedback(event) {
      exitFlushDone = false;
      return transport.send(createFeedbackEnvelope(event));
    },
    recordRequest(n) {
      exitFlushDone = false;
      counter.add(n, nowSeconds());
      if (counterStarted) return;
      counterStarted = true;
      startTimer(o.counterInterval, sendCounter);
    },
    sendSession(session) {
      try {
        track(transport.send(createSessionEnvelope(session)));
      } catch (err) {
        debug('session update failed', err);
      }
    },
    flush,
    stop() {
      try {
        for (const t of timers) clearInterval(t);
        nodeProcess()?.off('beforeExit', onBeforeExit);
        target.removeEventListener?.('visibilitychange', onVisibility);
        transport.close?.();
      } catch (err) {
        debug('stop failed', err);
      }
    },
  };
}
