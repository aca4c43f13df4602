// The flag-change verdict against real Postgres (flags/change-health.ts): the minute counters
// around a change are compared over the time they actually cover. The change's own minute counts
// as after, so the after exposure starts at that minute, not at the change's second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject } from '../../helpers/db-fixtures.js';
import { computeChangeHealth } from '../../../server/src/flags/change-health.js';
import { insertAuditLogs } from '../../../server/src/flags/log-queries.js';

const MINUTE = 60_000;

describe('computeChangeHealth', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  /** `perMinute` events with flag=result in every minute from `from` (inclusive) to `to` (exclusive). */
  async function steadyTraffic(projectId: string, flag: string, from: number, to: number, perMinute: number) {
    for (let m = from; m < to; m += MINUTE) {
      await db.pool.query(
        `INSERT INTO project_flag_minutes (project_id, flag, result, minute, event_count) VALUES ($1, $2, 'true', $3, $4)`,
        [projectId, flag, new Date(m), perMinute],
      );
      await db.pool.query(`INSERT INTO project_event_minutes (project_id, minute, event_count) VALUES ($1, $2, $3)`, [
        projectId,
        new Date(m),
        perMinute,
      ]);
    }
  }

  it('steady traffic stays healthy a minute after a change made late in its minute', async () => {
    const { projectId, organizationId } = await createProject(db.pool, 'steady');
    const minute = Math.floor((Date.now() - 3 * 3600_000) / MINUTE) * MINUTE;
    const at = new Date(minute + 50_000); // hh:mm:50
    const now = new Date(at.getTime() + 70_000); // hh:mm+2:00 — the counters hold two whole minutes after
    await steadyTraffic(projectId, 'full-rollout', minute - 20 * MINUTE, minute + 2 * MINUTE, 30);
    const [change] = await insertAuditLogs(db.pool, organizationId, [
      {
        provider: 'generic',
        changeId: '1',
        flag: 'full-rollout',
        action: 'updated',
        createdBy: 'ops@example.com',
        createdByType: 'email',
        createdAt: at,
        tags: {},
      },
    ]);
    const report = await computeChangeHealth(db.pool, change!, now, { store: false });
    expect(report.after.events).toBe(60);
    const side = report.sides.find((s) => s.result === 'true')!;
    expect(side.after).toBeCloseTo(30, 5);
    expect(side.before).toBeCloseTo(30, 5);
    expect(report.verdict).toBe('healthy');
  });

  it('a final verdict counts the whole last minute it reads, and the before window from its first minute', async () => {
    const { projectId, organizationId } = await createProject(db.pool, 'final');
    const minute = Math.floor((Date.now() - 6 * 3600_000) / MINUTE) * MINUTE;
    const at = new Date(minute + 50_000);
    await steadyTraffic(projectId, 'late-change', minute - 70 * MINUTE, minute + 70 * MINUTE, 30);
    const [change] = await insertAuditLogs(db.pool, organizationId, [
      {
        provider: 'generic',
        changeId: '2',
        flag: 'late-change',
        action: 'updated',
        createdBy: 'ops@example.com',
        createdByType: 'email',
        createdAt: at,
        tags: {},
      },
    ]);
    const report = await computeChangeHealth(db.pool, change!, new Date(at.getTime() + 2 * 3600_000), { store: false });
    expect(report.window.isFinal).toBe(true);
    const side = report.sides.find((s) => s.result === 'true')!;
    expect(side.after).toBeCloseTo(30, 5);
    expect(side.before).toBeCloseTo(30, 5);
    expect(report.verdict).toBe('healthy');
  });
});
