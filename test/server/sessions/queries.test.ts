import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import {
  upsertClientReportCounts,
  upsertSessionCounts,
  upsertSessionMinuteCounts,
  upsertSessionUsers,
} from '../../../server/src/sessions/queries.js';
import { createProject } from '../../helpers/db-fixtures.js';

describe('session and client report queries', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let projectId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    ({ projectId } = await createProject(db.pool, 'sq'));
  });
  afterAll(async () => {
    await db.drop();
  });

  it('adds session deltas and skips unknown projects', async () => {
    const row = {
      projectId,
      release: 'r',
      environment: 'e',
      hour: '2026-11-26T01:00:00.000Z',
      minute: '2026-11-26T01:07:00.000Z',
      status: 'ok' as const,
      count: 2,
    };
    await upsertSessionCounts(db.pool, [row, { ...row, projectId: '999999' }]);
    await upsertSessionCounts(db.pool, [{ ...row, count: -1 }]);
    expect((await db.pool.query('SELECT project_id, count::int FROM session_counts')).rows).toEqual([
      { project_id: projectId, count: 1 },
    ]);
  });

  it('adds minute deltas', async () => {
    const row = {
      projectId,
      release: 'r',
      environment: 'e',
      hour: '2026-11-26T01:00:00.000Z',
      minute: '2026-11-26T01:07:00.000Z',
      status: 'crashed' as const,
      count: 3,
    };
    await upsertSessionMinuteCounts(db.pool, [row]);
    await upsertSessionMinuteCounts(db.pool, [{ ...row, count: -1 }]);
    expect((await db.pool.query('SELECT minute, count::int FROM session_minute_counts')).rows).toEqual([
      { minute: new Date(row.minute), count: 2 },
    ]);
  });

  it('records a distinct user once per hour with the worst rank reached', async () => {
    const row = { projectId, release: 'r', environment: 'e', hour: '2026-11-26T01:00:00.000Z', did: 'u1', rank: 5 };
    await upsertSessionUsers(db.pool, [row]);
    await upsertSessionUsers(db.pool, [
      { ...row, rank: 1 },
      { ...row, did: 'u2', rank: 2 },
    ]);
    expect((await db.pool.query('SELECT did, status_rank FROM session_users ORDER BY did')).rows).toEqual([
      { did: 'u1', status_rank: 5 },
      { did: 'u2', status_rank: 2 },
    ]);
  });

  it('adds client report quantities', async () => {
    const row = {
      projectId,
      hour: '2026-11-26T01:00:00.000Z',
      reason: 'queue_overflow',
      category: 'error',
      quantity: 3,
    };
    await upsertClientReportCounts(db.pool, [row]);
    await upsertClientReportCounts(db.pool, [row]);
    expect((await db.pool.query('SELECT quantity::int FROM client_report_counts')).rows).toEqual([{ quantity: 6 }]);
  });
});
