// In-memory micro-batcher between the BullMQ worker and processBatch: collects items until
// `maxSize` are waiting or `maxWaitMs` passed, runs them as one batch, and settles each item's
// promise with its own result. At most `maxConcurrent` batches run at once; meanwhile new items
// wait, so batches grow under load instead of multiplying.

export interface Batcher<T, R> {
  /** Resolves with the item's result once its batch has run; rejects if the batch threw. */
  add(item: T): Promise<R>;
  /** Runs everything waiting now and resolves when no batch is running (for shutdown). */
  flush(): Promise<void>;
}

export interface BatcherOptions<T, R> {
  maxSize: number;
  maxWaitMs: number;
  maxConcurrent: number;
  /** Must return one result per item, in order. */
  run: (items: T[]) => Promise<R[]>;
  /** A batch is also full once its items' sizes add up to this (bounded worker memory). */
  maxBytes?: number;
  sizeOf?: (item: T) => number;
}

interface Waiting<T, R> {
  item: T;
  bytes: number;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

export function createBatcher<T, R>(opts: BatcherOptions<T, R>): Batcher<T, R> {
  let waiting: Array<Waiting<T, R>> = [];
  let timer: NodeJS.Timeout | undefined;
  let due = false; // the oldest waiting item has waited maxWaitMs
  const running = new Set<Promise<void>>();
  const maxBytes = opts.maxBytes ?? Infinity;
  let waitingBytes = 0;
  const full = () => waiting.length >= opts.maxSize || waitingBytes >= maxBytes;

  function schedule(): void {
    if (full()) due = true;
    if (due) return start();
    timer ??= setTimeout(() => {
      timer = undefined;
      due = true;
      start();
    }, opts.maxWaitMs);
  }

  function start(): void {
    while (waiting.length > 0 && (due || full()) && running.size < opts.maxConcurrent) {
      let n = 0;
      let bytes = 0;
      while (n < waiting.length && n < opts.maxSize && (n === 0 || bytes + waiting[n]!.bytes <= maxBytes))
        bytes += waiting[n++]!.bytes;
      const batch = waiting.slice(0, n);
      waiting = waiting.slice(n);
      waitingBytes -= bytes;
      due = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const done: Promise<void> = opts
        .run(batch.map((w) => w.item))
        .then(
          (results) =>
            batch.forEach((w, i) =>
              i < results.length ? w.resolve(results[i]!) : w.reject(new Error('batch returned too few results')),
            ),
          (err: unknown) => batch.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          running.delete(done);
          if (waiting.length > 0) schedule();
        });
      running.add(done);
    }
  }

  return {
    add(item) {
      return new Promise<R>((resolve, reject) => {
        const bytes = opts.sizeOf?.(item) ?? 0;
        waiting.push({ item, bytes, resolve, reject });
        waitingBytes += bytes;
        schedule();
      });
    },
    async flush() {
      while (waiting.length > 0 || running.size > 0) {
        due = waiting.length > 0;
        start();
        if (running.size > 0) await Promise.race(running);
      }
    },
  };
}
