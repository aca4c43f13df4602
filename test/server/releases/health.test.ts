// Deploy health on generated traffic through the real pipeline: four hosts, a deploy that moves
// two of them (the canary) to a new release, one minute of data after it. A new error on the
// new hosts is failing; unchanged rates are healthy; a spike on old and new hosts alike is not
// blamed on the release, while the same rise on the new hosts only is. Also the HTTP API.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPipelineDeps } from '../../helpers/pipeline.js';
import type { PipelineDeps } from '../../../server/src/pipeline/process-event.js';
import { upsertRelease } from '../../../server/src/releases/api-queries.js';
import { insertDeploy, type DeployRow } from '../../../server/src/releases/deploy-queries.js';
import { computeDeployHealth, type HealthReport } from '../../../server/src/releases/health.js';
import { createProject } from '../../helpers/factories.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createApiToken } from '../../helpers/sentry-cli.js';
import { minutes, sendSessions, sendTraffic, type Stream } from '../../helpers/release-traffic.js';

let server: TestServer;
let redis: Redis;
let prefix: string;
let deps: PipelineDeps;

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'api' });
  prefix = testRedisPrefix();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  deps = buildPipelineDeps(server.pool, redis, { REDIS_PREFIX: prefix });
});

afterAll(async () => {
  await cleanRedisPrefix(prefix).catch(() => {});
  redis?.disconnect();
  await server?.stop();
});

const ERR_A = { type: 'TimeoutError', value: 'payment provider timed out', fn: 'charge' };
const ERR_B = { type: 'TypeError', value: "Cannot read properties of undefined (reading 'total')", fn: 'renderCart' };
const OLD = 'shop@1.0.0';
const NEW = 'shop@2.0.0';
const ALL = ['web-1', 'web-2', 'web-3', 'web-4'];
const CANARY = ['web-1', 'web-2'];
const REST = ['web-3', 'web-4'];

/** A project with 10 minutes of baseline (all hosts on OLD, ERR_A every 10 s each) and a deploy of NEW at t0. */
async function scenario(
  after: (t0: Date, t1: Date) => Stream[],
): Promise<{ deploy: DeployRow; now: Date; projectId: string; orgId: string; orgSlug: string }> {
  const p = await createProject(server.pool);
  const t0 = new Date(Math.floor((Date.now() - minutes(2)) / 1000) * 1000);
  const t1 = new Date(t0.getTime() + minutes(1));
  await sendTraffic(deps, p.projectId, [
    { hosts: ALL, release: OLD, error: ERR_A, from: new Date(t0.getTime() - minutes(10)), to: t0, everySeconds: 10 },
    ...after(t0, t1),
  ]);
  const release = await upsertRelease(server.pool, {
    organizationId: p.orgId,
    version: NEW,
    url: null,
    dateStarted: null,
    dateReleased: null,
    projectIds: [p.projectId],
  });
  const deploy = await insertDeploy(server.pool, {
    releaseId: release.id,
    environment: 'production',
    name: null,
    url: null,
    dateStarted: t0,
    dateFinished: t0,
    projectIds: null,
  });
  return { deploy, now: t1, projectId: p.projectId, orgId: p.orgId, orgSlug: p.orgSlug };
}

const reasons = (r: HealthReport) => r.reasons.map((x) => `${x.code}:${x.severity}`);

describe('deploy health', () => {
  it('is failing within a minute when the new hosts raise a new error', async () => {
    const s = await scenario((t0, t1) => [
      { hosts: CANARY, release: NEW, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
      { hosts: CANARY, release: NEW, error: ERR_B, from: t0, to: t1, everySeconds: 10 },
      { hosts: REST, release: OLD, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
    ]);
    const r = await computeDeployHealth(server.pool, s.deploy, s.now);
    expect(r.verdict).toBe('failing');
    expect(reasons(r)).toContain('new-issue:failing');
    expect(r.newIssues).toHaveLength(1);
    expect(r.newIssues[0]).toMatchObject({
      title: `TypeError: ${ERR_B.value}`,
      events: 12,
      eventsOtherReleases: 0,
      hosts: 2,
    });
    expect(r.hosts?.newRelease.hosts).toEqual(CANARY);
    expect(r.hosts?.otherReleases.hosts).toEqual(REST);
    expect(r.window).toMatchObject({ afterMinutes: 1, beforeMinutes: 10, isFinal: false });
  });

  it('is healthy when error rates are unchanged', async () => {
    const s = await scenario((t0, t1) => [
      { hosts: CANARY, release: NEW, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
      { hosts: REST, release: OLD, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
    ]);
    const r = await computeDeployHealth(server.pool, s.deploy, s.now);
    expect(r.verdict).toBe('healthy');
    expect(r.reasons.filter((x) => x.severity !== 'healthy')).toEqual([]);
    expect(r.newIssues).toEqual([]);
    expect(r.errorRate).toMatchObject({ basis: 'minutes', before: 24, after: 24 });
    expect(r.canary!.ratio).toBeCloseTo(1, 1);
  });

  it('tells a traffic spike on old and new hosts alike from a bad release', async () => {
    const spike = await scenario((t0, t1) => [
      { hosts: CANARY, release: NEW, error: ERR_A, from: t0, to: t1, everySeconds: 10 / 3 },
      { hosts: REST, release: OLD, error: ERR_A, from: t0, to: t1, everySeconds: 10 / 3 },
    ]);
    const bad = await scenario((t0, t1) => [
      { hosts: CANARY, release: NEW, error: ERR_A, from: t0, to: t1, everySeconds: 10 / 3 },
      { hosts: REST, release: OLD, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
    ]);
    const rs = await computeDeployHealth(server.pool, spike.deploy, spike.now);
    const rb = await computeDeployHealth(server.pool, bad.deploy, bad.now);
    // the environment's rate tripled in the spike, yet the canary hosts kept their share
    expect(rs.errorRate!.ratio).toBeGreaterThan(2.5);
    expect(rs.verdict).toBe('healthy');
    expect(reasons(rs)).toEqual(['spike-not-release:healthy']);
    expect(rs.canary!.ratio).toBeCloseTo(1, 1);
    // the bad release: only the canary hosts rose
    expect(rb.verdict).toBe('failing');
    expect(reasons(rb)).toEqual(['canary:failing']);
    expect(rb.canary!.ratio).toBeGreaterThan(2.5);
    expect(rb.canary!.pValue).toBeLessThan(0.001);
  });

  it('names the last known-good release of the environment as the rollback target', async () => {
    const s = await scenario((t0, t1) => [
      // more history, so the earlier deploy (5 minutes before this one) has a full baseline
      {
        hosts: ALL,
        release: OLD,
        error: ERR_A,
        from: new Date(t0.getTime() - minutes(20)),
        to: new Date(t0.getTime() - minutes(10)),
        everySeconds: 10,
      },
      { hosts: CANARY, release: NEW, error: ERR_B, from: t0, to: t1, everySeconds: 5 },
      { hosts: REST, release: OLD, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
    ]);
    const deployedAt = new Date(s.deploy.dateFinished.getTime() - minutes(5));
    const old = await upsertRelease(server.pool, {
      organizationId: s.orgId,
      version: OLD,
      url: null,
      dateStarted: null,
      dateReleased: null,
      projectIds: [s.projectId],
    });
    await insertDeploy(server.pool, {
      releaseId: old.id,
      environment: 'production',
      name: null,
      url: null,
      dateStarted: deployedAt,
      dateFinished: deployedAt,
      projectIds: null,
    });
    await insertDeploy(server.pool, {
      releaseId: old.id,
      environment: 'staging',
      name: null,
      url: null,
      dateStarted: deployedAt,
      dateFinished: deployedAt,
      projectIds: null,
    });
    const r = await computeDeployHealth(server.pool, s.deploy, s.now);
    expect(r.verdict).toBe('failing');
    expect(r.rollbackTarget).toMatchObject({ version: OLD, verdict: 'healthy', deployedAt: deployedAt.toISOString() });
  });

  it('stores the final verdict of an earlier deploy whose window closed, and only of that one', async () => {
    const s = await scenario((t0, t1) => [
      { hosts: ALL, release: NEW, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
    ]);
    const old = await upsertRelease(server.pool, {
      organizationId: s.orgId,
      version: OLD,
      url: null,
      dateStarted: null,
      dateReleased: null,
      projectIds: [s.projectId],
    });
    const at = (m: number) => new Date(s.deploy.dateFinished.getTime() - minutes(m));
    const closed = await insertDeploy(server.pool, {
      releaseId: old.id,
      environment: 'production',
      name: null,
      url: null,
      dateStarted: at(120),
      dateFinished: at(120),
      projectIds: null,
    });
    const open = await insertDeploy(server.pool, {
      releaseId: old.id,
      environment: 'production',
      name: null,
      url: null,
      dateStarted: at(5),
      dateFinished: at(5),
      projectIds: null,
    });
    await computeDeployHealth(server.pool, s.deploy, s.now);
    const { rows } = await server.pool.query<{ id: string; verdict: string | null; is_verdict_final: boolean }>(
      'SELECT id, verdict, is_verdict_final FROM deploys WHERE id = ANY($1::bigint[])',
      [[closed.id, open.id]],
    );
    const row = (id: string) => rows.find((r) => r.id === id)!;
    // The closed one holds the verdict its own health page would give once final.
    const own = await computeDeployHealth(server.pool, closed, new Date(closed.dateFinished.getTime() + minutes(60)), {
      withRollback: false,
      store: false,
    });
    expect(row(closed.id)).toEqual({ id: closed.id, verdict: own.verdict, is_verdict_final: true });
    expect(row(open.id).is_verdict_final).toBe(false);
  });

  it("lists a release's deploys with ids and serves the verdict over the API", async () => {
    const s = await scenario((t0, t1) => [
      { hosts: CANARY, release: NEW, error: ERR_B, from: t0, to: t1, everySeconds: 10 },
      { hosts: REST, release: OLD, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
    ]);
    const token = await createApiToken(server.pool, s.orgId);
    const get = async (path: string) => {
      const res = await fetch(
        `${server.url}/api/0/organizations/${s.orgSlug}/releases/${encodeURIComponent(NEW)}/${path}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      return {
        status: res.status,
        body: (await res.json()) as Record<string, unknown> & Array<Record<string, unknown>>,
      };
    };
    const list = await get('deploys/');
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      {
        id: s.deploy.id,
        environment: 'production',
        name: null,
        url: null,
        dateStarted: s.deploy.dateStarted!.toISOString(),
        dateFinished: s.deploy.dateFinished.toISOString(),
      },
    ]);
    const health = await get(`deploys/${s.deploy.id}/health/`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      verdict: 'failing',
      release: NEW,
      environment: 'production',
      deployId: s.deploy.id,
    });
    expect((health.body.newIssues as unknown[]).length).toBe(1);
    expect((await get('deploys/999999/health/')).status).toBe(404);
    const { rows } = await server.pool.query(`SELECT verdict FROM deploys WHERE id = $1`, [s.deploy.id]);
    expect(rows[0]!.verdict).toBe('failing');
  });

  describe('on session denominators', () => {
    // Sessions count by the minute they started; the deploy's minute is "after" (health-queries.ts).
    const minuteOf = (t: Date) => new Date(Math.floor(t.getTime() / 60_000) * 60_000);

    it('is failing when crash-free sessions fall from ~100 % to 60 % after the deploy, with the session evidence', async () => {
      const s = await scenario((t0, t1) => [
        { hosts: ALL, release: NEW, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
      ]);
      const t0 = s.deploy.dateStarted!;
      await sendSessions(deps, s.projectId, {
        release: OLD,
        from: new Date(t0.getTime() - minutes(10)),
        to: minuteOf(t0),
        total: 200,
        crashed: 1,
      });
      await sendSessions(deps, s.projectId, { release: NEW, from: t0, to: s.now, total: 100, crashed: 40 });
      const r = await computeDeployHealth(server.pool, s.deploy, s.now);
      expect(r.verdict).toBe('failing');
      expect(reasons(r)).toEqual(['sessions:failing']);
      expect(r.sessions).toMatchObject({
        basis: 'before-after',
        baseline: { total: 200, crashed: 1 },
        release: { total: 100, crashed: 40 },
        crashFree: { baseline: 0.995, release: 0.6 },
      });
      expect(r.reasons[0]!.message).toBe(
        'crashed sessions rose from 0.5 % to 40.0 % (100 sessions of this release after the deploy vs 200 before it)',
      );
    });

    it('is failing when sessions with unhandled errors rise as much, against old releases in the same window', async () => {
      const s = await scenario((t0, t1) => [
        { hosts: CANARY, release: NEW, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
        { hosts: REST, release: OLD, error: ERR_A, from: t0, to: t1, everySeconds: 10 },
      ]);
      const t0 = s.deploy.dateStarted!;
      await sendSessions(deps, s.projectId, { release: OLD, from: t0, to: s.now, total: 100, unhandled: 1 });
      await sendSessions(deps, s.projectId, { release: NEW, from: t0, to: s.now, total: 100, unhandled: 40 });
      const r = await computeDeployHealth(server.pool, s.deploy, s.now);
      expect(r.verdict).toBe('failing');
      expect(reasons(r)).toEqual(['sessions:failing']);
      expect(r.sessions).toMatchObject({
        basis: 'canary',
        baseline: { total: 100, unhandled: 1 },
        release: { total: 100, unhandled: 40 },
      });
    });

    it('is healthy when traffic doubles with an unchanged crash-free rate (errors per minute alone say suspect)', async () => {
      const doubled = (t0: Date, t1: Date): Stream[] => [
        { hosts: ALL, release: NEW, error: ERR_A, from: t0, to: t1, everySeconds: 5 },
      ];
      const withSessions = await scenario(doubled);
      const t0 = withSessions.deploy.dateStarted!;
      // 24 sessions a minute before the deploy, 48 after; 2 % crash either side
      await sendSessions(deps, withSessions.projectId, {
        release: OLD,
        from: new Date(t0.getTime() - minutes(10)),
        to: minuteOf(t0),
        total: 250,
        crashed: 5,
      });
      await sendSessions(deps, withSessions.projectId, {
        release: NEW,
        from: t0,
        to: withSessions.now,
        total: 50,
        crashed: 1,
      });
      const r = await computeDeployHealth(server.pool, withSessions.deploy, withSessions.now);
      expect(r.verdict).toBe('healthy');
      expect(reasons(r)).toEqual(['sessions:healthy']);
      expect(r.errorRate).toMatchObject({ basis: 'sessions' });
      expect(r.errorRate!.ratio).toBeCloseTo(1, 0);
      expect(r.reasons[0]!.message).toContain('50 sessions of this release after the deploy vs 250 before it');

      const withoutSessions = await scenario(doubled);
      const minutesOnly = await computeDeployHealth(server.pool, withoutSessions.deploy, withoutSessions.now);
      expect(minutesOnly.verdict).toBe('suspect');
      expect(minutesOnly.reasons[0]!.message).toContain('could be traffic');
      expect(minutesOnly.sessions).toBeNull();
    });
  });
});
