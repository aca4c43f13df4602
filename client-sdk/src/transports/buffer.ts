// Bounded set of in-flight sends (sentry-javascript's promise buffer): past the limit new work
// is refused so a dead server cannot make the SDK hoard memory; `drain` waits with a timeout.

export const DEFAULT_BUFFER_SIZE = 64;

export interface PromiseBuffer {
  /** Starts `task` unless the buffer is full; false means refused (queue_overflow). */
  add(task: () => Promise<void>): boolean;
  /** True once everything in flight settled, false if `timeout` ms passed first. */
  drain(timeout?: number): Promise<boolean>;
  size(): number;
}

export function createPromiseBuffer(limit = DEFAULT_BUFFER_SIZE): PromiseBuffer {
  const inFlight = new Set<Promise<void>>();
  let waiters: Array<() => void> = [];

  function settle(p: Promise<void>): void {
    inFlight.delete(p);
    if (inFlight.size === 0) {
      const ready = waiters;
      waiters = [];
      for (const w of ready) w();
    }
  }

  return {
    add(task) {
      if (inFlight.size >= limit) return false;
      let p: Promise<void>;
      try {
        p = task().catch(() => undefined);
      } catch {
        return true;
      }
      inFlight.add(p);
      void p.then(() => settle(p));
      return true;
    },
    drain(timeout) {
      if (inFlight.size === 0) return Promise.resolve(true);
      if (timeout !== undefined && timeout <= 0) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const waiter = (): void => {
          if (timer) clearTimeout(timer);
          resolve(true);
        };
        waiters.push(waiter);
        if (timeout === undefined) return;
        // A ref'd timer on purpose: flush/close may keep the process alive, for at most `timeout`.
        timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeout);
      });
    },
    size: () => inFlight.size,
  };
}

/** True if every promise settled within `timeout` ms, false otherwise (ref'd timer, as in drain). */
export async function settleWithin(promises: Promise<unknown>[], timeout: number | undefined): Promise<boolean> {
  if (promises.length === 0) return true;
  const all = Promise.allSettled(promises).then(() => true);
  if (timeout === undefined) return all;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, timeout));
  });
  const ok = await Promise.race([all, expired]);
  clearTimeout(timer);
  return ok;
}
