// The queue-depth guard: measured in the background at most every refresh interval, full at the
// depth limit or near Redis' maxmemory, and never in the way of a request.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { createQueueDepthGuard, measureQueueLoad, type QueueLoad } from '../../ingest/src/queue-depth.js';
import { waitFor } from '../helpers/wait.js';

const log = pino({ level: 'silent' });

describe('createQueueDepthGuard', () => {
  it('reports full from the last measurement, refreshing at most every interval', async () => {
    let t = 0;
    let load: QueueLoad = { depth: 10, memoryRatio: null };
    let calls = 0;
    const guard = createQueueDepthGuard({
      maxDepth: 100,
      refreshMs: 100,
      now: () => t,
      log,
      measure: async () => (calls++, load),
    });
    expect(guard.isFull()).toBe(false); // nothing measured yet: let requests through
    await waitFor(() => guard.depth() === 10);
    load = { depth: 150, memoryRatio: null };
    t = 50;
    guard.isFull();
    expect(calls).toBe(1); // within the interval: no new measurement
    t = 150;
    guard.isFull();
    await waitFor(() => guard.isFull());
    load = { depth: 3, memoryRatio: 0.95 };
    t = 300;
    guard.isFull();
    await waitFor(() => guard.depth() === 3);
    expect(guard.isFull()).toBe(true); // Redis almost out of memory
    load = { depth: 3, memoryRatio: 0.5 };
    t = 500;
    guard.isFull();
    await waitFor(() => !guard.isFull());
  });

  it('ignores the depth with QUEUE_MAX_DEPTH=0 and survives a failing measurement', async () => {
    let t = 0;
    const guard = createQueueDepthGuard({
      maxDepth: 0,
      now: () => t,
      log,
      measure: async () => ({ depth: 1e9, memoryRatio: null }),
    });
    guard.isFull();
    await waitFor(() => guard.depth() === 1e9);
    expect(guard.isFull()).toBe(false);
    const failing = createQueueDepthGuard({
      maxDepth: 1,
      now: () => (t += 1000),
      log,
      measure: () => Promise.reject(new Error('redis down')),
    });
    expect(failing.isFull()).toBe(false);
    expect(failing.isFull()).toBe(false);
  });

  it('reads maxmemory and used_memory from INFO', async () => {
    const queue = { getJobCounts: async () => ({ wait: 4, delayed: 2, prioritized: 1 }) };
    expect(
      await measureQueueLoad(queue, {
        info: async () => 'used_memory:900\r\nused_memory_human:900B\r\nmaxmemory:1000\r\n',
      }),
    ).toEqual({ depth: 7, memoryRatio: 0.9 });
    expect(await measureQueueLoad(queue, { info: async () => 'used_memory:900\r\nmaxmemory:0\r\n' })).toEqual({
      depth: 7,
      memoryRatio: null,
    });
  });
});
