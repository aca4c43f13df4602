// Deploy conditions: a new issue shortly after a deploy (from the deploys table), and a deploy's
// health verdict turning failing (the onDeployVerdict hook and the periodic scan).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertDeps } from '../../../server/src/alerts/deps.js';
import { evaluateObservedDeploys, onDeployVerdict } from '../../../server/src/alerts/deploy-verdict.js';
import { evaluateAlerts } from '../../../server/src/alerts/evaluate.js';
import { insertRule, listHistory, type RuleInput } from '../../../server/src/alerts/queries.js';
import { bumpRulesVersion } from '../../../server/src/alerts/rule-cache.js';
import { createAlertState } from '../../../server/src/alerts/state.js';
import { loadConfig } from '../../../server/src/config.js';
import { createLogger } from '../../../server/src/shared/log.js';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject } from '../../helpers/factories.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { createIssueWithEvent, newRedis } from '../../helpers/alert-fixtures.js';

describe('deploy alert conditions', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let deps: AlertDeps;
  let project: Awaited<ReturnType<typeof createProject>>;
  let deployId: string;
  const prefix = testRedisPrefix();
  const rule = (over: Partial<RuleInput>): RuleInput => ({
    name: 'r',
    environment: null,
    conditionMatch: 'any',
    conditions: [],
    filters: [],
    actions: [{ type: 'email', to: ['ops@example.com'] }],
    frequencyMinutes: 30,
    isEnabled: true,
    ...over,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({ REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix });
    const redis = newRedis(TEST_REDIS_URL);
    deps = {
      config,
      log: createLogger({ level: 'silent', pretty: false }),
      pool: db.pool,
      redis,
      alerts: createAlertState(redis, prefix, config.alerts),
    };
    project = await createProject(db.pool);
    const {
      rows: [rel],
    } = await db.pool.query<{ id: string }>(
      `INSERT INTO releases (organization_id, version) VALUES ($1, 'shop@3') RETURNING id`,
      [project.orgId],
    );
    deployId = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO deploys (organization_id, release_id, environment, date_finished, project_ids)
       VALUES ($1, $2, 'production', now() - interval '5 minutes', ARRAY[$3::bigint]) RETURNING id`,
        [project.orgId, rel!.id, project.projectId],
      )
    ).rows[0]!.id;
  });
  afterAll(async () => {
    deps.redis.disconnect();
    await cleanRedisPrefix(prefix);
    await db.drop();
  });

  const addRule = async (input: RuleInput) => {
    const created = await insertRule(db.pool, project.projectId, input, null);
    await bumpRulesVersion(deps.redis, prefix, project.projectId); // what the API does after a write
    return created;
  };

  const newIssue = async (environment: string) => {
    const { issueId, eventId } = await createIssueWithEvent(db.pool, project.projectId, `boom in ${environment}`);
    await evaluateAlerts(deps, [
      {
        projectId: project.projectId,
        issueId,
        eventId,
        isNew: true,
        isRegression: false,
        level: 'error',
        environment,
        release: 'shop@3',
        tags: [],
        userKey: null,
        timestamp: Date.now(),
      },
    ]);
    return issueId;
  };

  it('fires for a new issue within the window after a deploy to its environment', async () => {
    const r = await addRule(
      rule({ name: 'after deploy', conditions: [{ type: 'new_issue_after_deploy', minutes: 30 }] }),
    );
    const issueId = await newIssue('production');
    await newIssue('staging');
    const rows = await listHistory(db.pool, { projectId: project.projectId, ruleId: r.id, limit: 10 });
    expect(rows.map((x) => [x.status, x.issueId, x.deployId, x.message])).toEqual([
      ['fired', issueId, deployId, 'a new issue appeared within 30 minutes after a deploy'],
    ]);
    const {
      rows: [delivery],
    } = await db.pool.query<{ alert: { deploy: { id: string; release: string } } }>(
      'SELECT alert FROM alert_deliveries WHERE fired_id = $1',
      [rows[0]!.id],
    );
    expect(delivery!.alert.deploy).toMatchObject({ id: deployId, release: 'shop@3' });
  });

  it('fires once when a deploy verdict turns failing, through the hook', async () => {
    const r = await addRule(rule({ name: 'failing deploys', conditions: [{ type: 'deploy_failing' }] }));
    const deploy = { id: deployId, projectIds: [project.projectId], environment: 'production', release: 'shop@3' };
    await onDeployVerdict(deps, deploy, { verdict: 'healthy' });
    await onDeployVerdict(deps, deploy, {
      verdict: 'failing',
      reasons: [{ message: 'error rate 5x the baseline', severity: 'failing' }],
    });
    await onDeployVerdict(deps, deploy, { verdict: 'failing' });
    const rows = await listHistory(db.pool, { projectId: project.projectId, ruleId: r.id, limit: 10 });
    expect(rows.map((x) => [x.status, x.deployId])).toEqual([
      ['suppressed', deployId],
      ['fired', deployId],
    ]);
    const {
      rows: [delivery],
    } = await db.pool.query<{ alert: { deploy: { verdict: string; evidence: string[] } } }>(
      'SELECT alert FROM alert_deliveries WHERE fired_id = $1',
      [rows[1]!.id],
    );
    expect(delivery!.alert.deploy).toMatchObject({ verdict: 'failing', evidence: ['error rate 5x the baseline'] });
  });

  it('judges young deploys periodically and fires when one is failing', async () => {
    const other = await createProject(db.pool, { orgSlug: project.orgSlug });
    const created = await insertRule(
      db.pool,
      other.projectId,
      rule({ name: 'failing', conditions: [{ type: 'deploy_failing' }] }),
      null,
    );
    await bumpRulesVersion(deps.redis, prefix, other.projectId);
    const {
      rows: [rel],
    } = await db.pool.query<{ id: string }>(
      `INSERT INTO releases (organization_id, version) VALUES ($1, 'api@9') RETURNING id`,
      [project.orgId],
    );
    const {
      rows: [dep],
    } = await db.pool.query<{ id: string }>(
      `INSERT INTO deploys (organization_id, release_id, environment, date_finished, project_ids)
       VALUES ($1, $2, 'production', now() - interval '5 minutes', ARRAY[$3::bigint]) RETURNING id`,
      [project.orgId, rel!.id, other.projectId],
    );
    await evaluateObservedDeploys(deps);
    expect(await listHistory(db.pool, { projectId: other.projectId, limit: 5 })).toEqual([]); // no data: healthy

    // A brand-new issue of this release with 12 events since the deploy: the health check says failing.
    const {
      rows: [issue],
    } = await db.pool.query<{ id: string }>(
      `INSERT INTO issues (project_id, short_id, title, level, first_seen, last_seen, first_release, event_count)
       VALUES ($1, 1, 'Checkout broke', 'error', now() - interval '2 minutes', now() - interval '1 minute', 'api@9', 12) RETURNING id`,
      [other.projectId],
    );
    await db.pool.query(
      `INSERT INTO events (project_id, event_id, timestamp, received_at, issue_id, level, release, environment, server_name, title, payload)
       SELECT $1, gen_random_uuid(), now() - interval '1 minute', now(), $2, 'error', 'api@9', 'production', 'web-1', 'Checkout broke', '{}'
         FROM generate_series(1, 12)`,
      [other.projectId, issue!.id],
    );
    await evaluateObservedDeploys(deps);
    await evaluateObservedDeploys(deps);
    const rows = await listHistory(db.pool, { projectId: other.projectId, ruleId: created.id, limit: 5 });
    expect(rows.map((x) => [x.status, x.deployId])).toEqual([
      ['suppressed', dep!.id],
      ['fired', dep!.id],
    ]);
  });
});
