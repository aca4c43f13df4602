import { DelayedError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import {
  createRetryPolicy,
  errorChain,
  isDependencyOutage,
  outageDelayMs,
} from '../../../server/src/dead-letters/retry-policy.js';
import { createLogger } from '../../../server/src/shared/log.js';

const withCode = (code: string) => Object.assign(new Error('x'), { code });

describe('isDependencyOutage', () => {
  it.each([
    [withCode('ECONNREFUSED'), true],
    [withCode('57P01'), true], // admin_shutdown: Postgres stopping
    [withCode('08006'), true],
    [new Error('Connection terminated unexpectedly'), true],
    [new Error('timeout exceeded when trying to connect'), true],
    [new Error('batch failed', { cause: new Error('outer', { cause: withCode('ECONNRESET') }) }), true],
    [new AggregateError([withCode('ECONNREFUSED')], 'all failed'), true],
    [withCode('23505'), false], // unique violation: a bug or bad data, not an outage
    [new Error('poisoned event'), false],
    [null, false],
  ])('%s → %s', (err, expected) => {
    expect(isDependencyOutage(err)).toBe(expected);
  });
});

describe('outageDelayMs', () => {
  it('grows with the outage, between 0.5 s and 10 s', () => {
    expect(outageDelayMs(1_000, 1_000)).toBe(500);
    expect(outageDelayMs(5_000, 1_000)).toBe(2_000);
    expect(outageDelayMs(600_000, 0)).toBe(10_000);
  });
});

describe('createRetryPolicy', () => {
  const log = createLogger({ level: 'silent' });
  const job = (attemptsMade: number) => {
    const delayedTo: number[] = [];
    return {
      job: {
        id: 'e-1-abc',
        attemptsMade,
        moveToDelayed: async (ts: number) => {
          delayedTo.push(ts);
        },
      } as unknown as Job,
      delayedTo,
    };
  };

  it('lets other outcomes through and counts real failures up to the limit', async () => {
    const policy = createRetryPolicy({ maxAttempts: 3, log });
    const failed = {
      kind: 'failed' as const,
      error: new Error('stage scrub failed', { cause: new Error('poisoned event') }),
    };
    expect(await policy.review({ kind: 'counted' }, job(0).job, 't')).toEqual({ kind: 'counted' });
    expect(await policy.review(failed, job(1).job, 't')).toBe(failed);
    expect(await policy.review(failed, job(2).job, 't')).toEqual({
      kind: 'invalid',
      message: 'gave up after 3 attempts: stage scrub failed: poisoned event',
    });
  });

  it('delays jobs during an outage without using an attempt', async () => {
    let now = 10_000;
    const policy = createRetryPolicy({ maxAttempts: 1, log, now: () => now });
    const j = job(0);
    const outage = { kind: 'failed' as const, error: new Error('commit failed', { cause: withCode('ECONNREFUSED') }) };
    await expect(policy.review(outage, j.job, 't')).rejects.toBeInstanceOf(DelayedError);
    now = 30_000;
    await expect(policy.review(outage, j.job, 't')).rejects.toBeInstanceOf(DelayedError);
    expect(j.delayedTo).toEqual([10_500, 40_000]);
  });

  it('formats the cause chain', () => {
    expect(errorChain(new Error('a', { cause: new Error('b') }))).toBe('a: b');
  });
});
