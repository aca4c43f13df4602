// Owns the one EventSource to the organization's live stream and dispatches its messages through
// a typed event map. Reconnects with backoff and resumes from the last seen id (Last-Event-ID on
// the browser's own retries, ?lastEventId= on ours), so a dropped connection leaves no gap.
import { streamUrl } from './api.js';
import type { DeployCreateMessage, EventCreateMessage, FlagChangeMessage, StreamHello } from './types.js';

export interface RealtimeEvents {
  EventCreate: [EventCreateMessage];
  DeployCreate: [DeployCreateMessage];
  FlagChange: [FlagChangeMessage];
  StreamHello: [StreamHello];
}

export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting';

export interface StreamFilterArgs {
  project?: string[];
  environment?: string[];
  release?: string[];
  level?: string[];
}

type Handler<K extends keyof RealtimeEvents> = (...args: RealtimeEvents[K]) => void;
const NAMES: Array<keyof RealtimeEvents> = ['EventCreate', 'DeployCreate', 'FlagChange', 'StreamHello'];
const MAX_BACKOFF_MS = 15_000;

class Realtime {
  #status = $state<ConnectionStatus>('idle');
  #source: EventSource | null = null;
  #handlers = new Map<keyof RealtimeEvents, Set<(arg: unknown) => void>>();
  #target: { org: string; filter: StreamFilterArgs } | null = null;
  #lastId: string | undefined;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  get status(): ConnectionStatus {
    return this.#status;
  }

  on<K extends keyof RealtimeEvents>(name: K, fn: Handler<K>): () => void {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    const h = fn as unknown as (arg: unknown) => void;
    set.add(h);
    return () => set.delete(h);
  }

  #emit(name: keyof RealtimeEvents, payload: unknown): void {
    for (const fn of this.#handlers.get(name) ?? []) fn(payload);
  }

  /** Connects (or reconnects with a new filter: a new filter starts from "now", not a resume). */
  connect(org: string, filter: StreamFilterArgs): void {
    this.disconnect();
    this.#target = { org, filter };
    this.#lastId = undefined;
    this.#open();
  }

  disconnect(): void {
    clearTimeout(this.#timer);
    this.#source?.close();
    this.#source = null;
    this.#target = null;
    this.#status = 'idle';
  }

  #open(): void {
    if (!this.#target) return;
    this.#status = this.#attempt === 0 ? 'connecting' : 'reconnecting';
    const src = new EventSource(streamUrl(this.#target.org, this.#target.filter, this.#lastId), {
      withCredentials: true,
    });
    this.#source = src;
    src.onopen = () => {
      this.#attempt = 0;
      this.#status = 'open';
    };
    src.onerror = () => {
      if (this.#source !== src) return;
      // CONNECTING: the browser retries by itself and sends Last-Event-ID. CLOSED: it gave up
      // (e.g. a 5xx); retry ourselves with backoff, resuming from the last id we saw.
      if (src.readyState === EventSource.CONNECTING) {
        this.#status = 'reconnecting';
        return;
      }
      src.close();
      this.#status = 'reconnecting';
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.#attempt++);
      this.#timer = setTimeout(() => this.#open(), delay);
    };
    for (const name of NAMES) {
      src.addEventListener(name, (e) => {
        const me = e as MessageEvent<string>;
        if (me.lastEventId) this.#lastId = me.lastEventId;
        this.#emit(name, JSON.parse(me.data) as unknown);
      });
    }
  }
}

export const realtime = new Realtime();
