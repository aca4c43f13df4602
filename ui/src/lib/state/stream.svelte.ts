// The live stream page's state: folds realtime messages into rows once per animation frame
// (smooth at hundreds of events per second), pauses by buffering, and tracks the clock offset.
import {
  applyMessages,
  emptyStream,
  summarizeLags,
  eventRate,
  clockOffset,
  type StreamState,
  type LagSummary,
} from '../stream.js';
import type { StreamMessage, StreamHello } from '../types.js';

const MAX_PENDING = 5_000; // messages kept while paused; older ones are dropped and counted

export class LiveStream {
  #state = $state.raw<StreamState>(emptyStream());
  #paused = $state(false);
  #pendingCount = $state(0);
  #dropped = $state(0);
  #gap = $state(false);
  #queue: StreamMessage[] = [];
  #offset = 0;
  #frame = 0;

  get rows() {
    return this.#state.rows;
  }
  get total(): number {
    return this.#state.total;
  }
  get paused(): boolean {
    return this.#paused;
  }
  get pendingCount(): number {
    return this.#pendingCount;
  }
  get dropped(): number {
    return this.#dropped;
  }
  get gap(): boolean {
    return this.#gap;
  }
  get lag(): LagSummary {
    return summarizeLags(this.#state.lags);
  }
  rate(now: number): number {
    return eventRate(this.#state, now);
  }

  hello(h: StreamHello): void {
    this.#offset = clockOffset(h.serverTime, Date.now());
    if (h.gap) this.#gap = true;
  }

  receive(m: StreamMessage): void {
    this.#queue.push(m);
    if (this.#queue.length > MAX_PENDING) {
      this.#queue.shift();
      this.#dropped += 1;
    }
    if (this.#paused) {
      this.#pendingCount = this.#queue.length;
      return;
    }
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#flush());
  }

  #flush(): void {
    this.#frame = 0;
    if (this.#paused || this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#state = applyMessages(this.#state, batch, Date.now(), this.#offset);
    this.#pendingCount = 0;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#flush();
  }

  clear(): void {
    this.#state = emptyStream();
    this.#queue = [];
    this.#pendingCount = 0;
    this.#gap = false;
  }

  destroy(): void {
    if (this.#frame) cancelAnimationFrame(this.#frame);
  }
}
