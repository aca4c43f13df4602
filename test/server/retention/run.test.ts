// Retention against real Postgres with the clock moved forward: expired daily partitions are
// dropped, issue counters and hourly counts stay, empty issues without activity go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestDatabase } from '../../helpers/db.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { buildPipelineDeps } from '../../helpers/pipeline.js';
import { createLogger } from '../../../server/src/shared/log.js';
import { processBatch, type PipelineDeps } from '../../../server/src/pipeline/process-event.js';
import { runRetention } from '../../../server/src/retention/run.js';
import { expireArtifactBundles } from '../../../server/src/sourcemaps/store.js';
import { listEventPartitions } from '../../../server/src/retention/queries.js';
import { createProject } from '../../helpers/db-fixtures.js';
import { syntheticEventJob } from '../../helpers/sdk-fixtures.js';

const DAY = 86_400_000;
let seq = 0;
const eventId = () => (++seq).toString(16).padStart(32, 'c');

describe('runRetention', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let redis: Redis;
  let prefix: string;
  let deps: PipelineDeps;
  const log = createLogger({ level: 'silent' });
  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    deps = buildPipelineDeps(db.pool, redis, { REDIS_PREFIX: prefix }, log);
  });
  afterAll(async () => {
    await cleanRedisPrefix(prefix);
    redis.disconnect();
    await db.drop();
  });
  const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];

  it('drops partitions past RETENTION_DAYS, keeps counts, cleans issues left empty', async () => {
    const { projectId } = await createProject(db.pool, 'retention');
    const receivedAt = Date.now();
    const at = (daysAgo: number) => receivedAt / 1000 - daysAgo * 86_400;
    const job = (type: string, daysAgo: number) =>
      syntheticEventJob({ projectId, receivedAt, eventId: eventId(), type, timestamp: at(daysAgo) });
    const outcomes = await processBatch(deps, [
      job('KeptError', 25),
      job('KeptError', 25),
      job('KeptError', 2), // old and recent events
      job('GoneError', 25),
      job('GoneError', 26), // only old events, no activity
      job('TriagedError', 25), // only old events, but resolved recently
    ]);
    expect(outcomes.every((o) => o.kind === 'stored')).toBe(true);
    const ids = Object.fromEntries(
      (await q<{ id: string; title: string }>('SELECT id, title FROM issues WHERE project_id = $1', [projectId])).map(
        (r) => [r.title.split(':')[0], r.id],
      ),
    );
    await db.pool.query(`INSERT INTO issue_activities (issue_id, kind) VALUES ($1, 'set_resolved')`, [
      ids.TriagedError,
    ]);
    const hourlyBefore = await q<{ issue_id: string; hour: Date; count: string }>(
      'SELECT issue_id, hour, count FROM issue_hourly_counts WHERE issue_id = $1 ORDER BY hour',
      [ids.KeptError],
    );

    // Ten days later, with 30 days of retention: everything older than 20 days (today) expires.
    const later = new Date(receivedAt + 10 * DAY);
    const result = await runRetention({ pool: db.pool, log }, { retentionDays: 30, now: () => later });
    expect(result).not.toBeNull();
    const cutoff = result!.cutoff.getTime();
    expect(cutoff).toBe(Date.UTC(later.getUTCFullYear(), later.getUTCMonth(), later.getUTCDate()) - 30 * DAY);

    const partitions = await listEventPartitions(db.pool);
    const days = partitions.map((n) =>
      Date.UTC(Number(n.slice(7, 11)), Number(n.slice(11, 13)) - 1, Number(n.slice(13, 15))),
    );
    expect(days.every((d) => d + DAY > cutoff)).toBe(true); // nothing wholly before the cutoff is left
    expect(result!.droppedPartitions.length).toBeGreaterThan(0);
    expect(partitions).toContain(`events_${later.toISOString().slice(0, 10).replaceAll('-', '')}`); // created ahead
    expect(partitions).toContain(
      `events_${new Date(later.getTime() + 3 * DAY).toISOString().slice(0, 10).replaceAll('-', '')}`,
    );

    const issues = await q<{ title: string; event_count: number }>(
      'SELECT title, event_count::int FROM issues WHERE project_id = $1 ORDER BY title',
      [projectId],
    );
    expect(issues.map((i) => [i.title.split(':')[0], i.event_count])).toEqual([
      ['KeptError', 3],
      ['TriagedError', 1],
    ]);
    expect(result!.deletedIssues).toBe(1);
    expect(await q<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [projectId])).toEqual([
      { n: 1 },
    ]);
    expect(
      await q('SELECT issue_id, hour, count FROM issue_hourly_counts WHERE issue_id = $1 ORDER BY hour', [
        ids.KeptError,
      ]),
    ).toEqual(hourlyBefore);

    // A second run has nothing left to do.
    const again = await runRetention({ pool: db.pool, log }, { retentionDays: 30, now: () => later });
    expect(again).toMatchObject({
      droppedPartitions: [],
      deletedIssues: 0,
      deletedRequestCounts: 0,
      createdPartitions: 0,
    });
  });

  it('expires source-map bundles unused for RETENTION_DAYS, and symbolication keeps the used ones', async () => {
    const { projectId, organizationId } = await createProject(db.pool, 'bundles');
    const longAgo = new Date(Date.now() - 200 * DAY);
    const bundle = async (checksum: string, debugId: string) => {
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO artifact_bundles (organization_id, checksum, file_count, size_bytes, created_at, last_used_at)
         VALUES ($1, $2, 1, 2, $3, $3) RETURNING id`,
        [organizationId, checksum.repeat(40), longAgo],
      );
      const id = rows[0]!.id;
      await db.pool.query('INSERT INTO artifact_bundle_projects (bundle_id, project_id) VALUES ($1, $2)', [
        id,
        projectId,
      ]);
      await db.pool.query(
        `INSERT INTO artifact_files (bundle_id, url, type, debug_id, sha1, size_bytes, content)
                           VALUES ($1, '~/app.min.js.map', 'source_map', $2, $3, 2, '\\x7b7d')`,
        [id, debugId, 'f'.repeat(40)],
      );
      return id;
    };
    const used = await bundle('a', '0a0a0a0a-0000-4000-8000-000000000001');
    const unused = await bundle('b', '0b0b0b0b-0000-4000-8000-000000000002');

    // An event whose frame the first bundle serves (by debug id) renews that bundle's last use.
    const job = syntheticEventJob({ projectId, receivedAt: Date.now(), eventId: eventId(), type: 'MinifiedError' });
    const event = JSON.parse(job.payload) as Record<string, unknown>;
    event.platform = 'javascript';
    event.exception = {
      values: [
        {
          type: 'TypeError',
          value: 'x',
          stacktrace: {
            frames: [{ abs_path: 'https://shop.example/app.min.js', function: 'a', lineno: 1, colno: 10 }],
          },
        },
      ],
    };
    event.debug_meta = {
      images: [
        {
          type: 'sourcemap',
          code_file: 'https://shop.example/app.min.js',
          debug_id: '0a0a0a0a-0000-4000-8000-000000000001',
        },
      ],
    };
    expect((await processBatch(deps, [{ ...job, payload: JSON.stringify(event) }]))[0]!.kind).toBe('stored');
    const lastUsed = await q<{ id: string; recent: boolean }>(
      `SELECT id, last_used_at > now() - interval '1 minute' AS recent FROM artifact_bundles WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [[used, unused]],
    );
    expect(lastUsed).toEqual([
      { id: used, recent: true },
      { id: unused, recent: false },
    ]);

    const result = await runRetention(
      { pool: db.pool, log },
      { retentionDays: 90, now: () => new Date(), expireArtifacts: expireArtifactBundles },
    );
    expect(result!.expiredArtifacts).toBe(1);
    expect(
      await q<{ id: string }>('SELECT id FROM artifact_bundles WHERE id = ANY($1::bigint[])', [[used, unused]]),
    ).toEqual([{ id: used }]);
    expect(
      await q<{ n: number }>('SELECT count(*)::int AS n FROM artifact_files WHERE bundle_id = $1', [unused]),
    ).toEqual([{ n: 0 }]);
  });

  it('deletes request counts older than the cutoff and keeps the recent ones', async () => {
    const { projectId } = await createProject(db.pool, 'counters');
    const now = new Date();
    const minuteAgo = (days: number) => new Date(Math.floor((now.getTime() - days * DAY) / 60_000) * 60_000);
    for (const days of [40, 31, 2]) {
      await db.pool.query(
        `INSERT INTO request_counts (project_id, environment, minute, server_name, release, requests) VALUES ($1, 'production', $2, 'web-1', 'a@1', 100)`,
        [projectId, minuteAgo(days)],
      );
    }
    const result = await runRetention({ pool: db.pool, log }, { retentionDays: 30, now: () => now });
    expect(result!.deletedRequestCounts).toBe(2);
    const left = await q<{ minute: Date }>('SELECT minute FROM request_counts WHERE project_id = $1', [projectId]);
    expect(left.map((r) => r.minute.getTime())).toEqual([minuteAgo(2).getTime()]);
  });

  it('keeps minute-resolution flag counters a week (flag-change verdicts), hourly flag counts stay', async () => {
    const { projectId } = await createProject(db.pool, 'flag-minutes');
    const now = new Date();
    const minuteAgo = (days: number) => new Date(Math.floor((now.getTime() - days * DAY) / 60_000) * 60_000);
    for (const days of [8, 6]) {
      await db.pool.query(
        `INSERT INTO project_flag_minutes (project_id, flag, result, minute, event_count) VALUES ($1, 'new-checkout', 'true', $2, 3)`,
        [projectId, minuteAgo(days)],
      );
      await db.pool.query(`INSERT INTO project_event_minutes (project_id, minute, event_count) VALUES ($1, $2, 3)`, [
        projectId,
        minuteAgo(days),
      ]);
      await db.pool.query(
        `INSERT INTO project_flag_hours (project_id, flag, result, hour, event_count) VALUES ($1, 'new-checkout', 'true', date_trunc('hour', $2::timestamptz), 3)`,
        [projectId, minuteAgo(days)],
      );
    }
    await runRetention({ pool: db.pool, log }, { retentionDays: 30, now: () => now });
    for (const table of ['project_flag_minutes', 'project_event_minutes']) {
      const left = await q<{ minute: Date }>(`SELECT minute FROM ${table} WHERE project_id = $1`, [projectId]);
      expect(
        left.map((r) => r.minute.getTime()),
        table,
      ).toEqual([minuteAgo(6).getTime()]);
    }
    expect(await q('SELECT hour FROM project_flag_hours WHERE project_id = $1', [projectId])).toHaveLength(2);
  });

  it('lets only one process run at a time', async () => {
    // Another process holds the retention lease (db/lease.ts: a row, no session state).
    await db.pool
      .query(`INSERT INTO schedule_leases (name, holder, held_until) VALUES ('retention', 'another-process', now() + interval '1 minute')
      ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until`);
    try {
      expect(await runRetention({ pool: db.pool, log }, { retentionDays: 90, now: () => new Date() })).toBeNull();
    } finally {
      await db.pool.query(`DELETE FROM schedule_leases WHERE name = 'retention'`);
    }
    expect(await runRetention({ pool: db.pool, log }, { retentionDays: 90, now: () => new Date() })).not.toBeNull();
  });
});
