// Deploy health with the SDK's request counters as the denominator: a deploy that brings more
// traffic brings more errors at an unchanged rate per request. Judged per minute it looks like a
// bad deploy; with request_counts it is judged per 1,000 requests and is healthy.
import { describe, expect, it } from 'vitest';
import { upsertRequestCounts } from '../../../server/src/counters/queries.js';
import type { RequestCountRow } from '../../../server/src/counters/request-counter.js';
import { upsertRelease } from '../../../server/src/releases/api-queries.js';
import { insertDeploy } from '../../../server/src/releases/deploy-queries.js';
import { computeDeployHealth } from '../../../server/src/releases/health.js';
import { createProject } from '../../helpers/factories.js';
import { minutes, sendTraffic } from '../../helpers/release-traffic.js';
import { usePipelineTestContext } from '../../helpers/pipeline.js';

const HOSTS = ['web-1', 'web-2', 'web-3', 'web-4'];
const OLD = 'shop@1.0.0';
const NEW = 'shop@2.0.0';
const ERR = { type: 'TimeoutError', value: 'payment provider timed out', fn: 'charge' };

const t = usePipelineTestContext();

/** 10 minutes of OLD on all hosts (an error every 10 s each), then NEW with 2.5x the errors (every 4 s). */
async function deployWithMoreTraffic(withCounters: boolean) {
  const p = await createProject(t.db.pool);
  const t0 = new Date(Math.floor((Date.now() - minutes(2)) / 60_000) * 60_000); // on a minute boundary
  const t1 = new Date(t0.getTime() + minutes(1));
  await sendTraffic(t.deps, p.projectId, [
    { hosts: HOSTS, release: OLD, error: ERR, from: new Date(t0.getTime() - minutes(10)), to: t0, everySeconds: 10 },
    { hosts: HOSTS, release: NEW, error: ERR, from: t0, to: t1, everySeconds: 4 },
  ]);
  if (withCounters) {
    // 1,000 requests per host and minute before, 2,500 after: the error rate per request is unchanged.
    const rows: RequestCountRow[] = [];
    for (let m = -10; m <= 0; m++) {
      const minute = new Date(t0.getTime() + minutes(m)).toISOString();
      for (const host of HOSTS)
        rows.push({
          projectId: p.projectId,
          environment: 'production',
          minute,
          serverName: host,
          release: m < 0 ? OLD : NEW,
          requests: m < 0 ? 1000 : 2500,
        });
    }
    await upsertRequestCounts(t.db.pool, rows);
  }
  const release = await upsertRelease(t.db.pool, {
    organizationId: p.orgId,
    version: NEW,
    url: null,
    dateStarted: null,
    dateReleased: null,
    projectIds: [p.projectId],
  });
  const deploy = await insertDeploy(t.db.pool, {
    releaseId: release.id,
    environment: 'production',
    name: null,
    url: null,
    dateStarted: t0,
    dateFinished: t0,
    projectIds: null,
  });
  return computeDeployHealth(t.db.pool, deploy, t1, { withRollback: false, store: false });
}

describe('deploy health with request counters', () => {
  it('compares errors per 1,000 requests when the SDK sent counters', async () => {
    const r = await deployWithMoreTraffic(true);
    expect(r.before).toEqual({ events: 240, minutes: 10, requests: 40_000 });
    expect(r.after).toEqual({ events: 60, minutes: 1, requests: 10_000 });
    expect(r.errorRate?.basis).toBe('requests');
    expect(r.errorRate?.ratio).toBeCloseTo(1, 1);
    expect(r.verdict).toBe('healthy');
  });

  it('falls back to errors per minute without counters, and then the extra traffic looks like a bad deploy', async () => {
    const r = await deployWithMoreTraffic(false);
    expect(r.before.requests).toBeNull();
    expect(r.errorRate?.basis).toBe('minutes');
    expect(r.errorRate?.ratio).toBeCloseTo(2.5, 1);
    expect(r.verdict).not.toBe('healthy');
  });
});
