// The batcher's byte bound (WORKER_BATCH_MAX_BYTES): a batch is cut once its items' sizes reach
// the limit, so a run of large events cannot pile up in one batch's memory.
import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../../server/src/pipeline/batcher.js';

describe('createBatcher with maxBytes', () => {
  it('cuts batches by bytes as well as by count, never leaving an item behind', async () => {
    const batches: number[][] = [];
    const b = createBatcher<number, number>({
      maxSize: 100,
      maxWaitMs: 1,
      maxConcurrent: 1,
      maxBytes: 1000,
      sizeOf: (n) => n,
      run: async (items) => {
        batches.push(items);
        return items;
      },
    });
    const sizes = [400, 400, 400, 100, 2500, 10, 10];
    const results = await Promise.all(sizes.map((n) => b.add(n)));
    expect(results).toEqual(sizes);
    for (const batch of batches) {
      const total = batch.reduce((a, n) => a + n, 0);
      expect(batch.length === 1 || total <= 1000).toBe(true); // an oversize item goes alone
    }
    expect(batches.flat()).toEqual(sizes);
  });
});
