import { beforeAll, describe, expect, it } from 'vitest';
import { processBatch } from '../../../server/src/pipeline/process-event.js';
import type { JobOutcome } from '../../../server/src/queue/job-outcome.js';
import type { EventJob } from '../../../server/src/shared/queues.js';
import { createProject } from '../../helpers/db-fixtures.js';
import { fixtureJobs, syntheticEventJob } from '../../helpers/sdk-fixtures.js';
import { PAYLOAD_COLUMNS, withPayloads } from '../../helpers/events.js';
import type { StoredPayload } from '../../../server/src/events/payload-codec.js';
import { usePipelineTestContext } from '../../helpers/pipeline.js';

const RECEIVED_AT = Date.parse('2026-11-26T02:00:00Z');
let seq = 0;
const newEventId = () => (++seq).toString(16).padStart(32, 'e');

describe('processBatch', () => {
  const t = usePipelineTestContext();

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await t.db.pool.query(sql, params)).rows as T[];
  const issueCounts = (projectId: string) =>
    q<{ id: string; event_count: number; user_count: number }>(
      'SELECT id, event_count::int, user_count::int FROM issues WHERE project_id = $1 ORDER BY id',
      [projectId],
    );
  const hourlyTotal = async (projectId: string) =>
    (
      await q<{ n: number }>(
        'SELECT coalesce(sum(count), 0)::int AS n FROM issue_hourly_counts h JOIN issues i ON i.id = h.issue_id WHERE i.project_id = $1',
        [projectId],
      )
    )[0]!.n;
  const kinds = (outcomes: JobOutcome[]) => outcomes.map((o) => o.kind);

  describe('node SDK 11.12 captures', () => {
    let projectId: string;
    let jobs: ReturnType<typeof fixtureJobs>;
    let first: JobOutcome[];
    beforeAll(async () => {
      ({ projectId } = await createProject(t.db.pool, 'shop', { org: 'acme' }));
      jobs = fixtureJobs('node-sdk-11.12', { projectId, receivedAt: RECEIVED_AT, clientIp: '203.0.113.7' });
      first = await processBatch(t.deps, jobs);
    });

    it('stores every event and counts the sessions', () => {
      expect(kinds(first)).toEqual(['counted', 'stored', 'stored', 'stored', 'stored', 'counted', 'stored']);
    });

    it('creates issues with Sentry-style titles, culprits, levels and short ids', async () => {
      const issues = await q<{
        title: string;
        culprit: string;
        level: string;
        platform: string;
        type: string;
        short_id: string;
        substatus: string;
        first_release: string;
        last_release: string;
        grouping: { hashes: string[]; variants: unknown[] };
      }>(
        'SELECT title, culprit, level, platform, type, short_id, substatus, first_release, last_release, g.grouping FROM issues LEFT JOIN issue_grouping g ON g.issue_id = issues.id WHERE project_id = $1 ORDER BY short_id',
        [projectId],
      );
      const titles = issues.map((i) => i.title);
      expect(titles).toContain(`SyntaxError: Expected ',' or ']' after array element in JSON at position 15`);
      expect(titles).toContain('RangeError: Invalid array length in stock sync');
      expect(titles.some((t) => t.startsWith('DbError: relation "orders_1999" does not exist'))).toBe(true);
      expect(issues.find((i) => i.title.startsWith('DbError: relation'))!.culprit).toBe('query(lib:db)');
      expect(issues.map((i) => Number(i.short_id))).toEqual(issues.map((_, n) => n + 1));
      for (const i of issues) {
        expect(i).toMatchObject({
          platform: 'node',
          substatus: 'new',
          first_release: 'shop@1.4.2',
          last_release: 'shop@1.4.2',
        });
        expect(i.grouping.hashes.length).toBeGreaterThan(0);
        expect(i.grouping.variants.length).toBeGreaterThan(0);
      }
    });

    it('counts events, hours, users and tag values', async () => {
      const issues = await issueCounts(projectId);
      expect(issues.reduce((n, i) => n + i.event_count, 0)).toBe(5);
      expect(issues.every((i) => i.user_count === 1)).toBe(true);
      expect(await hourlyTotal(projectId)).toBe(5);
      const tags = await q<{ key: string; value: string; n: number }>(
        `SELECT key, value, sum(count)::int AS n FROM issue_tag_values t JOIN issues i ON i.id = t.issue_id
          WHERE i.project_id = $1 GROUP BY key, value`,
        [projectId],
      );
      const tag = (key: string) => tags.filter((t) => t.key === key).map((t) => [t.value, t.n]);
      expect(tag('release')).toEqual([['shop@1.4.2', 5]]);
      expect(tag('environment')).toEqual([['production', 5]]);
      expect(tag('server_name')).toEqual([['web-1', 5]]);
      expect(tag('user')).toEqual([['id:42', 5]]);
      expect(tag('runtime')).toEqual([['node v20.20.2', 5]]);
      expect(tag('os.name')).toEqual([['Debian', 5]]);
      expect(tag('region')).toEqual([['eu-west', 5]]);
      expect(tag('level').sort()).toEqual([
        ['error', 3],
        ['fatal', 1],
        ['warning', 1],
      ]); // the unhandled one is fatal
    });

    it('stores the normalized event with its derived tags, and the implicit release and environment', async () => {
      const [event] = withPayloads<
        { tags: string[][]; breadcrumbs: unknown; user: unknown; title: string },
        StoredPayload & { user_key: string; release: string }
      >(
        await q(
          `SELECT ${PAYLOAD_COLUMNS}, user_key, release FROM events WHERE project_id = $1 AND event_id = 'c88832c1370f43448489c0b1b0391c43'`,
          [projectId],
        ),
      );
      expect(event!.user_key).toBe('id:42');
      expect(event!.payload.tags).toContainEqual(['region', 'eu-west']);
      expect(event!.payload.tags).toContainEqual(['level', 'error']);
      expect(event!.payload.breadcrumbs).toEqual({
        values: [{ timestamp: 1795658359.027, category: 'http', message: 'GET /cart', level: 'info' }],
      });
      const releases = await q<{ version: string; new_issue_count: number; first_event_at: Date; last_event_at: Date }>(
        `SELECT r.version, rp.new_issue_count::int, rp.first_event_at, rp.last_event_at FROM releases r JOIN release_projects rp ON rp.release_id = r.id WHERE rp.project_id = $1`,
        [projectId],
      );
      expect(releases).toHaveLength(1);
      expect(releases[0]).toMatchObject({
        version: 'shop@1.4.2',
        new_issue_count: (await issueCounts(projectId)).length,
      });
      expect(releases[0]!.first_event_at.getTime()).toBeLessThanOrEqual(releases[0]!.last_event_at.getTime());
      expect(await q('SELECT name FROM environments WHERE project_id = $1', [projectId])).toEqual([
        { name: 'production' },
      ]);
    });

    it('counts a session once under its latest status', async () => {
      expect(
        await q('SELECT release, environment, status, count::int FROM session_counts WHERE project_id = $1', [
          projectId,
        ]),
      ).toEqual([{ release: 'shop@1.4.2', environment: 'production', status: 'crashed', count: 1 }]);
    });

    it('is idempotent: the same batch again stores and counts nothing', async () => {
      const before = {
        issues: await issueCounts(projectId),
        hourly: await hourlyTotal(projectId),
        tags: await q('SELECT * FROM issue_tag_values ORDER BY issue_id, key, value'),
      };
      const again = await processBatch(t.deps, jobs);
      expect(kinds(again)).toEqual([
        'counted',
        'duplicate',
        'duplicate',
        'duplicate',
        'duplicate',
        'counted',
        'duplicate',
      ]);
      expect(await issueCounts(projectId)).toEqual(before.issues);
      expect(await hourlyTotal(projectId)).toBe(before.hourly);
      expect(await q('SELECT * FROM issue_tag_values ORDER BY issue_id, key, value')).toEqual(before.tags);
      expect(
        (await q<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [projectId]))[0]!.n,
      ).toBe(5);
      expect(await q('SELECT status, count::int FROM session_counts WHERE project_id = $1', [projectId])).toEqual([
        { status: 'crashed', count: 1 },
      ]);
    });
  });

  it('stores Python SDK 1.9.10 store bodies (exceptions and a logging message)', async () => {
    const { projectId } = await createProject(t.db.pool, 'billing');
    const outcomes = await processBatch(
      t.deps,
      fixtureJobs('python-sdk-1.9.10', { projectId, receivedAt: RECEIVED_AT }),
    );
    expect(kinds(outcomes)).toEqual(['stored', 'stored', 'stored']);
    const issues = await q<{ title: string; level: string; platform: string; type: string }>(
      'SELECT title, level, platform, type FROM issues WHERE project_id = $1 ORDER BY short_id',
      [projectId],
    );
    expect(issues.map((i) => i.title)).toContain('Invoice 7781 sent to customer 55');
    expect(issues.find((i) => i.title === 'Invoice 7781 sent to customer 55')).toMatchObject({
      level: 'info',
      type: 'default',
      platform: 'python',
    });
    expect(issues.some((i) => i.title.startsWith('ZeroDivisionError'))).toBe(true);
    expect(issues.some((i) => i.title.startsWith('KeyError'))).toBe(true);
  });

  it('groups repeated errors into one issue and counts distinct users', async () => {
    const { projectId } = await createProject(t.db.pool, 'users');
    const job = (user: string) =>
      syntheticEventJob({ projectId, receivedAt: RECEIVED_AT, eventId: newEventId(), user });
    await processBatch(t.deps, [job('u1'), job('u2'), job('u1')]);
    await processBatch(t.deps, [job('u2'), job('u3')]);
    expect(await issueCounts(projectId)).toEqual([expect.objectContaining({ event_count: 5, user_count: 3 })]);
  });

  it('creates one issue when two batches race on the same new fingerprint', async () => {
    const { projectId } = await createProject(t.db.pool, 'race');
    const batch = () =>
      Array.from({ length: 20 }, () =>
        syntheticEventJob({ projectId, receivedAt: RECEIVED_AT, eventId: newEventId(), type: 'RaceError' }),
      );
    const results = await Promise.all([
      processBatch(t.deps, batch()),
      processBatch(t.deps, batch()),
      processBatch(t.deps, batch()),
    ]);
    expect(results.flat().every((o) => o.kind === 'stored')).toBe(true);
    const issues = await issueCounts(projectId);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.event_count).toBe(60);
    expect(await hourlyTotal(projectId)).toBe(60);
    expect(
      (await q<{ n: number }>('SELECT count(*)::int AS n FROM issue_hashes WHERE project_id = $1', [projectId]))[0]!.n,
    ).toBeGreaterThan(0);
  });

  it('reopens a resolved issue as regressed and leaves an ignored one ignored', async () => {
    const { projectId } = await createProject(t.db.pool, 'states');
    const job = (type: string) =>
      syntheticEventJob({ projectId, receivedAt: RECEIVED_AT, eventId: newEventId(), type });
    await processBatch(t.deps, [job('ResolvedError'), job('IgnoredError')]);
    await t.db.pool.query(
      `UPDATE issues SET status = 'resolved', substatus = NULL, resolved_at = now() WHERE project_id = $1 AND title LIKE 'ResolvedError%'`,
      [projectId],
    );
    await t.db.pool.query(
      `UPDATE issues SET status = 'ignored', substatus = 'archived_forever' WHERE project_id = $1 AND title LIKE 'IgnoredError%'`,
      [projectId],
    );
    await processBatch(t.deps, [job('ResolvedError'), job('IgnoredError')]);
    const rows = await q(
      'SELECT title, status, substatus, resolved_at, event_count::int FROM issues WHERE project_id = $1 ORDER BY title',
      [projectId],
    );
    expect(rows).toEqual([
      expect.objectContaining({ status: 'ignored', substatus: 'archived_forever', event_count: 2 }),
      expect.objectContaining({ status: 'unresolved', substatus: 'regressed', resolved_at: null, event_count: 2 }),
    ]);
  });

  it('clamps far-future timestamps to the received time', async () => {
    const { projectId } = await createProject(t.db.pool, 'clock');
    const job = syntheticEventJob({
      projectId,
      receivedAt: RECEIVED_AT,
      eventId: newEventId(),
      timestamp: RECEIVED_AT / 1000 + 3 * 86400,
    });
    await processBatch(t.deps, [job]);
    const [row] = await q<{ timestamp: Date }>('SELECT timestamp FROM events WHERE project_id = $1', [projectId]);
    expect(row!.timestamp.getTime()).toBe(RECEIVED_AT);
  });

  it('recognizes a re-sent event dated by its receipt (no timestamp of its own) and counts it once', async () => {
    const { projectId } = await createProject(t.db.pool, 'undated');
    const eventId = newEventId();
    const undated = (receivedAt: number) => {
      const job = syntheticEventJob({ projectId, receivedAt, eventId });
      const event = JSON.parse(job.payload) as Record<string, unknown>;
      delete event.timestamp;
      return { ...job, payload: JSON.stringify(event) };
    };
    expect(kinds(await processBatch(t.deps, [undated(RECEIVED_AT)]))).toEqual(['stored']);
    // The SDK sends it again a minute later (its first request timed out): another receipt time.
    expect(kinds(await processBatch(t.deps, [undated(RECEIVED_AT + 60_000)]))).toEqual(['duplicate']);
    expect(await issueCounts(projectId)).toEqual([expect.objectContaining({ event_count: 1 })]);
    expect(await q('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [projectId])).toEqual([{ n: 1 }]);
  });

  it('recognizes a re-sent event whose own timestamp was clamped to its receipt, and counts it once', async () => {
    const { projectId } = await createProject(t.db.pool, 'clamped');
    const eventId = newEventId();
    // 40 days old: past the 30 days an event's own time is kept, so each copy is dated by its receipt.
    const old = (receivedAt: number) =>
      syntheticEventJob({ projectId, receivedAt, eventId, timestamp: RECEIVED_AT / 1000 - 40 * 86400 });
    expect(kinds(await processBatch(t.deps, [old(RECEIVED_AT)]))).toEqual(['stored']);
    expect(kinds(await processBatch(t.deps, [old(RECEIVED_AT + 60_000)]))).toEqual(['duplicate']);
    expect(await issueCounts(projectId)).toEqual([expect.objectContaining({ event_count: 1 })]);
  });

  it('creates a missing day partition and stores the event', async () => {
    const { projectId } = await createProject(t.db.pool, 'partition');
    const ts = Date.now() - 25 * 86_400_000;
    const day = new Date(ts).toISOString().slice(0, 10).replace(/-/g, '');
    await t.db.pool.query(`DROP TABLE IF EXISTS events_${day}`);
    const outcomes = await processBatch(t.deps, [
      syntheticEventJob({ projectId, receivedAt: Date.now(), eventId: newEventId(), timestamp: ts / 1000 }),
    ]);
    expect(kinds(outcomes)).toEqual(['stored']);
  });

  it('fails only the poisoned event of a batch, permanently invalid ones for good', async () => {
    const { projectId } = await createProject(t.db.pool, 'poison');
    const good = () => syntheticEventJob({ projectId, receivedAt: RECEIVED_AT, eventId: newEventId() });
    const poisoned: EventJob = { ...good(), projectId: 'not-a-number' }; // fails inside the transaction
    const notJson: EventJob = { ...good(), payload: '{"broken' };
    const notObject: EventJob = { ...good(), payload: '[1,2]' };
    const outcomes = await processBatch(t.deps, [
      good(),
      poisoned,
      good(),
      notJson,
      notObject,
      { v: 2, kind: 'event' },
    ]);
    expect(kinds(outcomes)).toEqual(['stored', 'failed', 'stored', 'invalid', 'invalid', 'invalid']);
    expect((await issueCounts(projectId))[0]!.event_count).toBe(2);
  });

  it('drops events of projects that do not exist', async () => {
    const outcomes = await processBatch(t.deps, [
      syntheticEventJob({ projectId: '987654321', receivedAt: RECEIVED_AT, eventId: newEventId() }),
    ]);
    expect(outcomes).toEqual([{ kind: 'dropped', reason: 'unknown-project' }]);
  });

  it('stores NUL characters and lone surrogates as replacement characters', async () => {
    const { projectId } = await createProject(t.db.pool, 'nul');
    const job = syntheticEventJob({
      projectId,
      receivedAt: RECEIVED_AT,
      eventId: newEventId(),
      value: 'a\u0000b\ud800c',
    });
    expect(kinds(await processBatch(t.deps, [job]))).toEqual(['stored']);
    const [row] = await q<{ title: string }>('SELECT title FROM issues WHERE project_id = $1', [projectId]);
    expect(row!.title).toBe('SyntheticError: a\ufffdb\ufffdc');
  });

  it('counts session aggregates and client reports', async () => {
    const { projectId } = await createProject(t.db.pool, 'health');
    const aux = (kind: 'sessions' | 'client_report', payload: unknown) => ({
      v: 1 as const,
      kind,
      projectId,
      receivedAt: RECEIVED_AT,
      payload: JSON.stringify(payload),
    });
    const outcomes = await processBatch(t.deps, [
      aux('sessions', {
        aggregates: [
          { started: '2026-11-26T01:59:00Z', exited: 3, errored: 1 },
          { started: '2026-11-26T01:58:00Z', exited: 2, crashed: 1 },
        ],
        attrs: { release: 'api@2', environment: 'prod' },
      }),
      aux('client_report', {
        timestamp: 1795658359.5,
        discarded_events: [
          { reason: 'queue_overflow', category: 'error', quantity: 23 },
          { reason: 'x', category: 'y', quantity: -1 },
        ],
      }),
      aux('client_report', {
        timestamp: '2026-11-26T01:30:00Z',
        discarded_events: [{ reason: 'queue_overflow', category: 'error', quantity: 2 }],
      }),
      aux('sessions', { aggregates: [{ started: '2026-11-26T01:59:00Z', exited: 1 }] }), // no release: dropped
      { v: 1, kind: 'session', projectId, receivedAt: RECEIVED_AT, payload: 'not json' },
    ]);
    expect(kinds(outcomes)).toEqual(['counted', 'counted', 'counted', 'dropped', 'invalid']);
    expect(
      await q('SELECT status, count::int FROM session_counts WHERE project_id = $1 ORDER BY status', [projectId]),
    ).toEqual([
      { status: 'crashed', count: 1 },
      { status: 'errored', count: 1 },
      { status: 'exited', count: 5 },
    ]);
    expect(
      await q('SELECT reason, category, quantity::int FROM client_report_counts WHERE project_id = $1', [projectId]),
    ).toEqual([{ reason: 'queue_overflow', category: 'error', quantity: 25 }]);
  });
});
