// Polling instead of fixed sleeps: waits until `fn` returns a truthy value or the timeout ends.
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  opts: { timeout?: number; interval?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeout ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting${opts.message ? ` for ${opts.message}` : ''}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.interval ?? 25));
  }
}
