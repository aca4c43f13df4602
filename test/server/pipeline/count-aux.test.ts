// A batch of session updates whose counts could not be written (a real Postgres error) is
// counted by its retry: the Redis state it advanced is put back, so nothing is lost or doubled.
import { beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../../helpers/db-fixtures.js';
import { usePipelineTestContext } from '../../helpers/pipeline.js';
import { countAuxJobs } from '../../../server/src/pipeline/count-aux.js';
import type { AuxJob } from '../../../server/src/shared/queues.js';

describe('countAuxJobs when the counts cannot be written', () => {
  const t = usePipelineTestContext();
  let projectId: string;
  beforeAll(async () => {
    ({ projectId } = await createProject(t.db.pool, 'retry'));
  });

  const session = (sid: string, status: string, seq: number): AuxJob => ({
    v: 1,
    kind: 'session',
    projectId,
    receivedAt: Date.parse('2026-12-01T10:20:00Z'),
    payload: JSON.stringify({
      sid,
      did: sid,
      init: seq === 0,
      seq,
      status,
      errors: status === 'ok' ? 0 : 1,
      started: '2026-12-01T10:15:00Z',
      duration: seq,
      attrs: { release: 'retry@1', environment: 'production' },
    }),
  });
  const counts = async () =>
    Object.fromEntries(
      (
        await t.db.pool.query<{ status: string; n: number }>(
          `SELECT status, sum(count)::int AS n FROM session_counts WHERE release = 'retry@1'
            GROUP BY status HAVING sum(count) <> 0 ORDER BY status`,
        )
      ).rows.map((r) => [r.status, r.n]),
    );
  /** Runs the batch while every minute-count write fails (after the hourly one, same transaction). */
  const failing = async (jobs: AuxJob[]) => {
    await t.db.pool.query(
      'ALTER TABLE session_minute_counts ADD CONSTRAINT writes_fail CHECK (count < -1000000) NOT VALID',
    );
    try {
      await expect(countAuxJobs({ pool: t.db.pool, redis: t.redis, redisPrefix: t.prefix }, jobs)).rejects.toThrow(
        /writes_fail/,
      );
    } finally {
      await t.db.pool.query('ALTER TABLE session_minute_counts DROP CONSTRAINT writes_fail');
    }
  };
  const run = (jobs: AuxJob[]) => countAuxJobs({ pool: t.db.pool, redis: t.redis, redisPrefix: t.prefix }, jobs);

  it('counts new sessions and status changes on the retry, once', async () => {
    const first = [session('a', 'ok', 0), session('b', 'ok', 0), session('b', 'crashed', 1)];
    await failing(first);
    expect(await counts()).toEqual({});
    await run(first);
    expect(await counts()).toEqual({ crashed: 1, ok: 1 });

    const second = [session('a', 'errored', 1), session('b', 'exited', 2)];
    await failing(second);
    expect(await counts()).toEqual({ crashed: 1, ok: 1 });
    await run(second);
    await run(second); // a redelivery after success changes nothing
    expect(await counts()).toEqual({ crashed: 1, errored: 1 });
  });
});
