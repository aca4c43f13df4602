// The worker's fetch budget: its BullMQ concurrency follows the jobs it holds, a step ahead of
// them while their payloads are under the budget and none ahead once they reach it.
import { describe, expect, it } from 'vitest';
import { createFetchBudget, FETCH_STEP, payloadBytes } from '../../../server/src/pipeline/fetch-budget.js';

const item = (bytes: number) => ({ kind: 'event', payload: 'x'.repeat(bytes) });
const batch = (...sizes: number[]) => ({ v: 1, kind: 'batch', items: sizes.map(item) });

describe('createFetchBudget', () => {
  it('grows the concurrency with the jobs held, stops at the budget and recovers on release', () => {
    const worker = { concurrency: 0 };
    const budget = createFetchBudget(() => worker, 256, 1000);
    expect(budget.initial).toBe(FETCH_STEP);
    const small = budget.hold(item(10));
    expect(worker.concurrency).toBe(1 + FETCH_STEP);
    const big = budget.hold(batch(600, 500));
    expect(budget.held()).toEqual({ bytes: 1110, jobs: 2 });
    expect(worker.concurrency).toBe(2); // over the budget: nothing fetched beyond what is held
    big();
    big(); // a second release changes nothing
    expect(budget.held()).toEqual({ bytes: 10, jobs: 1 });
    expect(worker.concurrency).toBe(1 + FETCH_STEP);
    small();
    expect(worker.concurrency).toBe(FETCH_STEP);
  });

  it('never exceeds the configured concurrency and never drops below one', () => {
    const worker = { concurrency: 0 };
    const budget = createFetchBudget(() => worker, 4, 100);
    expect(budget.initial).toBe(4);
    const releases = [1, 2, 3].map(() => budget.hold(item(1)));
    expect(worker.concurrency).toBe(4);
    releases.forEach((r) => r());
    const huge = budget.hold(item(1000));
    expect(worker.concurrency).toBe(1);
    huge();
    expect(worker.concurrency).toBe(4);
  });

  it('counts payload characters of items and batches, and nothing of malformed data', () => {
    expect(payloadBytes(item(7))).toBe(7);
    expect(payloadBytes(batch(3, 4))).toBe(7);
    expect(payloadBytes({ kind: 'batch', items: 'nope' })).toBe(0);
    expect(payloadBytes({ kind: 'batch', items: [null, { payload: 5 }, item(2)] })).toBe(2);
    expect(payloadBytes(null)).toBe(0);
  });
});
