// Webhook and Slack deliveries end to end from evaluation: rules evaluated for a stored event,
// jobs through BullMQ, receivers on 127.0.0.1 (allow-listed), history rows for each attempt.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { evaluateAlerts } from '../../../../server/src/alerts/evaluate.js';
import type { AlertDeps } from '../../../../server/src/alerts/deps.js';
import { insertRule, listHistory } from '../../../../server/src/alerts/queries.js';
import { bumpRulesVersion } from '../../../../server/src/alerts/rule-cache.js';
import { startAlertWorker } from '../../../../server/src/alerts/send-alert.js';
import { createAlertState } from '../../../../server/src/alerts/state.js';
import { loadConfig } from '../../../../server/src/config.js';
import { createLogger } from '../../../../server/src/shared/log.js';
import { createTestDatabase } from '../../../helpers/db.js';
import { createProject } from '../../../helpers/factories.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../../helpers/redis.js';
import { waitFor } from '../../../helpers/wait.js';
import { createIssueWithEvent, newRedis, startReceiver } from '../../../helpers/alert-fixtures.js';

describe('webhook and Slack alerts', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let deps: AlertDeps;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let worker: { close: () => Promise<void> };
  let workerConnection: Redis;
  const prefix = testRedisPrefix();
  const flakyCalls = { n: 0 };

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await startReceiver((path) => {
      if (path === '/flaky') return ++flakyCalls.n === 1 ? 503 : 200;
      return path === '/gone' ? 404 : 200;
    });
    const config = loadConfig({
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      BASE_URL: 'http://faultline.test',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      ALERT_RETRY_DELAY_MS: '50',
      ALERT_DIGEST_WINDOW_SECONDS: '0',
    });
    const redis = newRedis(TEST_REDIS_URL);
    deps = {
      config,
      log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false }),
      pool: db.pool,
      redis,
      alerts: createAlertState(redis, prefix, config.alerts),
    };
    workerConnection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }); // BullMQ blocks on it
    worker = await startAlertWorker(deps, workerConnection);
  });
  afterAll(async () => {
    await worker.close();
    workerConnection.disconnect();
    await receiver.close();
    deps.redis.disconnect();
    await cleanRedisPrefix(prefix);
    await db.drop();
  });

  async function fire(actions: Parameters<typeof insertRule>[2]['actions'], title: string) {
    const project = await createProject(db.pool);
    const rule = await insertRule(
      db.pool,
      project.projectId,
      {
        name: 'New issues to the hooks',
        environment: null,
        conditionMatch: 'any',
        conditions: [{ type: 'first_seen' }],
        filters: [],
        actions,
        frequencyMinutes: 30,
        isEnabled: true,
      },
      null,
    );
    await bumpRulesVersion(deps.redis, prefix, project.projectId);
    const { issueId, eventId } = await createIssueWithEvent(db.pool, project.projectId, title);
    await evaluateAlerts(deps, [
      {
        projectId: project.projectId,
        issueId,
        eventId,
        isNew: true,
        isRegression: false,
        level: 'error',
        environment: 'production',
        release: 'web@1.0.0',
        tags: [],
        userKey: 'id:1',
        timestamp: Date.now(),
      },
    ]);
    return { project, rule, issueId };
  }

  it('signs the webhook body with HMAC-SHA256 and puts the issue title in the Slack text', async () => {
    const secret = 'a-webhook-secret-of-some-length';
    const { project, rule, issueId } = await fire(
      [
        { type: 'webhook', url: `${receiver.url}/hook`, secret },
        { type: 'slack', url: `${receiver.url}/slack/T000/B000/XXXX` },
      ],
      "Cannot read properties of undefined (reading 'total')",
    );

    const hook = await waitFor(() => receiver.received.find((r) => r.path === '/hook'), { message: 'webhook request' });
    const expected = `sha256=${createHmac('sha256', secret).update(hook.body).digest('hex')}`;
    expect(hook.headers['x-faultline-signature']).toBe(expected);
    expect(hook.headers['content-type']).toBe('application/json');
    const body = JSON.parse(hook.body) as {
      rule: { name: string };
      issue: { id: string; title: string; url: string };
      event: { frames: string[] };
    };
    expect(body.rule.name).toBe('New issues to the hooks');
    expect(body.issue).toMatchObject({ id: issueId, title: "Cannot read properties of undefined (reading 'total')" });
    expect(body.issue.url).toBe(`http://faultline.test/organizations/${project.orgSlug}/issues/${issueId}/`);
    expect(body.event.frames[0]).toBe('chargeCard (lib/pay.js:12:5)');

    const slack = await waitFor(() => receiver.received.find((r) => r.path.startsWith('/slack/')), {
      message: 'slack request',
    });
    const text = (JSON.parse(slack.body) as { text: string }).text;
    expect(text).toContain("Cannot read properties of undefined (reading 'total')");
    expect(text).toContain(`<http://faultline.test/organizations/${project.orgSlug}/issues/${issueId}/|`);

    const history = await waitFor(
      async () => {
        const rows = await listHistory(db.pool, { projectId: project.projectId, ruleId: rule.id, limit: 10 });
        return rows.filter((r) => r.status === 'sent').length === 2 ? rows : null;
      },
      { message: 'two sent history rows' },
    );
    expect(history.map((r) => [r.kind, r.status, r.channel]).sort()).toEqual(
      [
        ['delivery', 'sent', 'slack'],
        ['delivery', 'sent', 'webhook'],
        ['fired', 'fired', null],
      ].sort(),
    );
    expect(history.find((r) => r.channel === 'slack')!.target).toBe(`${receiver.url}/…`); // the path holds the Slack secret
  });

  it('retries a 5xx answer and records both attempts', async () => {
    const { project } = await fire(
      [{ type: 'webhook', url: `${receiver.url}/flaky`, secret: 'another-secret-0123456789' }],
      'flaky receiver',
    );
    const rows = await waitFor(
      async () => {
        const h = await listHistory(db.pool, { projectId: project.projectId, limit: 10 });
        return h.some((r) => r.status === 'sent') ? h : null;
      },
      { message: 'sent after a retry' },
    );
    const attempts = rows.filter((r) => r.kind === 'delivery').reverse();
    expect(attempts.map((r) => [r.status, r.attempt])).toEqual([
      ['retried', 1],
      ['sent', 2],
    ]);
    expect(attempts[0]!.message).toContain('HTTP 503');
  });

  it('fails a 4xx answer at once, without retries', async () => {
    const { project } = await fire(
      [{ type: 'webhook', url: `${receiver.url}/gone`, secret: 'another-secret-0123456789' }],
      'gone receiver',
    );
    const rows = await waitFor(
      async () => {
        const h = await listHistory(db.pool, { projectId: project.projectId, limit: 10 });
        return h.some((r) => r.status === 'failed') ? h : null;
      },
      { message: 'failed delivery' },
    );
    expect(rows.filter((r) => r.kind === 'delivery').map((r) => r.status)).toEqual(['failed']);
    expect(rows[0]!.message).toContain('HTTP 404');
  });
});
