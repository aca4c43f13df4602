// Release health: one session per Node process or browser page load (develop docs "Sessions").
// Starts with an `init` update; the first error, an unhandled error and a status change send an
// update (seq increases); the end sends the final status (Node: exited or crashed at exit).
// Unhandled errors that do not end the program are `unhandled`, as browser SDKs 10+ report them.

import { nowSeconds, uuid4 } from './runtime.js';
import type { Event, SessionPayload, SessionStatus } from './types.js';

export interface SessionTracker {
  /** Counts an error event into the session (sent at once when it changes the status or is the first). */
  onEvent(event: Event, unhandled: boolean): void;
  /** Sends the current state again (a page going away, a flush). */
  update(): void;
  /** Ends the session (`exited` unless it crashed or is already over) and sends it. */
  end(): void;
}

export function createSessionTracker(o: {
  release: string;
  environment: string;
  /** True for Node: an unhandled fatal error ends the process (crashed). */
  isNode: boolean;
  userId: () => string | undefined;
  send: (payload: SessionPayload) => void;
}): SessionTracker {
  const sid = uuid4();
  const started = nowSeconds();
  let status: SessionStatus = 'ok';
  let errors = 0;
  let seq = 0;
  let init = true;
  let ended = false;

  function send(): void {
    const now = nowSeconds();
    const did = o.userId();
    o.send({
      sid,
      ...(did ? { did } : {}),
      init,
      seq: seq++,
      started: new Date(started * 1000).toISOString(),
      timestamp: new Date(now * 1000).toISOString(),
      status,
      errors,
      duration: Math.max(0, Math.round((now - started) * 1000) / 1000),
      attrs: { release: o.release, environment: o.environment },
    });
    init = false;
  }

  send();
  return {
    onEvent(event, unhandled) {
      if (ended || status !== 'ok') return;
      const isError = event.exception !== undefined || event.level === 'error' || event.level === 'fatal';
      if (!isError) return;
      const first = errors === 0;
      errors += 1;
      if (unhandled) status = o.isNode && event.level === 'fatal' ? 'crashed' : 'unhandled';
      if (first || status !== 'ok') send();
    },
    update() {
      if (!ended) send();
    },
    end() {
      if (ended) return;
      if (status === 'ok') status = 'exited';
      ended = true;
      send();
    },
  };
}
