import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../../server/src/pipeline/batcher.js';
import { waitFor } from '../../helpers/wait.js';

describe('createBatcher', () => {
  it('runs items in batches of at most maxSize and settles each with its own result', async () => {
    const batches: number[][] = [];
    const b = createBatcher<number, number>({
      maxSize: 3,
      maxWaitMs: 1,
      maxConcurrent: 1,
      run: async (xs) => (batches.push(xs), xs.map((x) => x * 2)),
    });
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((x) => b.add(x)));
    expect(results).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(batches.every((x) => x.length <= 3)).toBe(true);
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('rejects every item of a batch that throws', async () => {
    const b = createBatcher<number, number>({
      maxSize: 10,
      maxWaitMs: 1,
      maxConcurrent: 1,
      run: async () => {
        throw new Error('boom');
      },
    });
    const settled = await Promise.allSettled([b.add(1), b.add(2)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });

  it('never runs more than maxConcurrent batches and grows batches meanwhile', async () => {
    let running = 0;
    let peak = 0;
    const sizes: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = createBatcher<number, number>({
      maxSize: 100,
      maxWaitMs: 0,
      maxConcurrent: 1,
      run: async (xs) => {
        running++;
        peak = Math.max(peak, running);
        sizes.push(xs.length);
        if (sizes.length === 1) await gate;
        running--;
        return xs;
      },
    });
    const first = b.add(0);
    await waitFor(() => sizes.length === 1, { message: 'the first batch to start' });
    const rest = [1, 2, 3, 4].map((x) => b.add(x));
    release();
    await Promise.all([first, ...rest]);
    expect(peak).toBe(1);
    expect(sizes).toEqual([1, 4]);
  });

  it('flush runs what is waiting without waiting for the timer', async () => {
    const seen: number[] = [];
    const b = createBatcher<number, number>({
      maxSize: 100,
      maxWaitMs: 60_000,
      maxConcurrent: 1,
      run: async (xs) => (seen.push(...xs), xs),
    });
    const p = b.add(9);
    await b.flush();
    expect(seen).toEqual([9]);
    await expect(p).resolves.toBe(9);
  });
});
