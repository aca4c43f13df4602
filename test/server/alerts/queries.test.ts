import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findEventPayloads,
  findIssueContexts,
  listObservedDeploys,
  findLatestDeploys,
  findProjectContexts,
  deployKey,
} from '../../../server/src/alerts/context-queries.js';
import {
  claimDeliveries,
  deleteRule,
  findRule,
  finishDeliveries,
  insertDeliveries,
  insertHistory,
  insertRule,
  listHistory,
  listRulesOfProjects,
  listStrandedDeliveries,
  updateRule,
  type NewHistoryRow,
  type RuleInput,
} from '../../../server/src/alerts/queries.js';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject } from '../../helpers/factories.js';
import { createIssueWithEvent } from '../../helpers/alert-fixtures.js';

const input: RuleInput = {
  name: 'r1',
  environment: 'production',
  conditionMatch: 'all',
  conditions: [{ type: 'regression' }, { type: 'event_frequency', count: 5, minutes: 10 }],
  filters: [{ type: 'tag', key: 'shop', match: 'contains', value: 'eu' }],
  actions: [
    { type: 'email', to: ['a@example.com'] },
    { type: 'webhook', url: 'https://hooks.example.com/x', secret: 's'.repeat(20) },
  ],
  frequencyMinutes: 15,
  isEnabled: true,
};

describe('alert queries', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let projectId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    projectId = (await createProject(db.pool)).projectId;
  });
  afterAll(async () => {
    await db.drop();
  });

  const history = (over: Partial<NewHistoryRow>): NewHistoryRow => ({
    projectId,
    ruleId: null,
    ruleName: 'r',
    issueId: null,
    eventId: null,
    deployId: null,
    deliveryId: null,
    kind: 'fired',
    status: 'fired',
    channel: null,
    target: null,
    attempt: null,
    message: '',
    ...over,
  });

  it('stores, finds, updates and deletes rules with their JSON parts', async () => {
    const created = await insertRule(db.pool, projectId, input, null);
    expect(created).toMatchObject({ ...input, projectId });
    expect(await findRule(db.pool, projectId, created.id)).toEqual(created);
    const updated = await updateRule(db.pool, projectId, created.id, { ...input, name: 'renamed', isEnabled: false });
    expect(updated).toMatchObject({ name: 'renamed', isEnabled: false, conditions: input.conditions });
    expect((await listRulesOfProjects(db.pool, [projectId])).map((r) => r.id)).toEqual([created.id]);
    expect(await updateRule(db.pool, '999999', created.id, input)).toBeNull(); // another project's id
    expect(await deleteRule(db.pool, projectId, created.id)).toBe(true);
    expect(await findRule(db.pool, projectId, created.id)).toBeNull();
  });

  it('inserts history in order and lists it newest first, filtered and paged', async () => {
    const rule = await insertRule(db.pool, projectId, input, null);
    const ids = await insertHistory(db.pool, [
      history({ ruleId: rule.id, message: 'one' }),
      history({ ruleId: rule.id, message: 'two', kind: 'delivery', status: 'retried', attempt: 1 }),
      history({ message: 'other rule' }),
    ]);
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));
    const page1 = await listHistory(db.pool, { projectId, ruleId: rule.id, limit: 1 });
    expect(page1.map((r) => r.message)).toEqual(['two']);
    expect(page1[0]).toMatchObject({ kind: 'delivery', status: 'retried', attempt: 1, ruleId: rule.id });
    const page2 = await listHistory(db.pool, { projectId, ruleId: rule.id, beforeId: page1[0]!.id, limit: 5 });
    expect(page2.map((r) => r.message)).toEqual(['one']);
  });

  it('claims pending deliveries of a digest for one job at a time', async () => {
    const [firedId] = await insertHistory(db.pool, [history({})]);
    const ids = await insertDeliveries(
      db.pool,
      ['x@example.com', 'x@example.com', 'y@example.com'].map((t) => ({
        projectId,
        firedId: firedId!,
        channel: 'email' as const,
        target: t,
        digestKey: t,
        secret: null,
        alert: { t },
      })),
    );
    const first = await claimDeliveries(db.pool, { digestKey: 'x@example.com' }, 'job-1');
    expect(first.map((d) => d.id)).toEqual(ids.slice(0, 2));
    expect(first[0]).toMatchObject({ attempts: 1, alert: { t: 'x@example.com' } });
    expect(await claimDeliveries(db.pool, { digestKey: 'x@example.com' }, 'job-2')).toEqual([]);
    expect((await claimDeliveries(db.pool, { digestKey: 'x@example.com' }, 'job-1'))[0]!.attempts).toBe(2); // a retry re-claims
    await finishDeliveries(db.pool, ids.slice(0, 2), 'sent', null);
    expect(await claimDeliveries(db.pool, { digestKey: 'x@example.com' }, 'job-1')).toEqual([]);
    expect((await listStrandedDeliveries(db.pool, new Date(Date.now() + 1000), 10)).map((d) => d.id)).toEqual([ids[2]]);
    expect((await claimDeliveries(db.pool, { deliveryId: ids[2]! }, 'job-3')).map((d) => d.target)).toEqual([
      'y@example.com',
    ]);
  });

  it('loads the context of a firing: project, issue with short id, event payload', async () => {
    const p = await createProject(db.pool, { slug: 'ctx-shop' });
    const { issueId, eventId } = await createIssueWithEvent(db.pool, p.projectId, 'boom');
    expect((await findProjectContexts(db.pool, [p.projectId])).get(p.projectId)).toMatchObject({
      slug: 'ctx-shop',
      organizationSlug: p.orgSlug,
    });
    expect((await findIssueContexts(db.pool, [issueId])).get(issueId)).toMatchObject({
      shortId: 'CTXS-1',
      title: 'boom',
      count: 1,
      userCount: 1,
    });
    const [payload] = await findEventPayloads(db.pool, [{ projectId: p.projectId, eventId }]);
    expect(payload).toMatchObject({ eventId, environment: 'production', release: 'web@1.0.0' });
    expect(payload!.payload).toHaveProperty('exception.values.0.type', 'TypeError');
  });

  it('finds the latest finished deploy per project and environment, and the deploys still observed', async () => {
    const p = await createProject(db.pool);
    const {
      rows: [rel],
    } = await db.pool.query<{ id: string }>(
      `INSERT INTO releases (organization_id, version) VALUES ($1, 'web@2') RETURNING id`,
      [p.orgId],
    );
    const deploy = async (env: string, minutesAgo: number, verdict: string | null) =>
      (
        await db.pool.query<{ id: string }>(
          `INSERT INTO deploys (organization_id, release_id, environment, date_finished, project_ids, verdict, verdict_at)
       VALUES ($1, $2, $3, now() - make_interval(mins => $4), ARRAY[$5::bigint], $6, now()) RETURNING id`,
          [p.orgId, rel!.id, env, minutesAgo, p.projectId, verdict],
        )
      ).rows[0]!.id;
    const older = await deploy('production', 30, null);
    const recent = await deploy('production', 5, 'failing');
    const staging = await deploy('staging', 1, 'healthy');
    await deploy('production', -10, null); // scheduled in the future: not finished yet
    const found = await findLatestDeploys(
      db.pool,
      [
        { projectId: p.projectId, environment: 'production' },
        { projectId: p.projectId, environment: null },
        { projectId: p.projectId, environment: 'qa' },
      ],
      new Date(),
    );
    expect(found.get(deployKey(p.projectId, 'production'))).toMatchObject({
      id: recent,
      environment: 'production',
      release: 'web@2',
    });
    expect(found.get(deployKey(p.projectId, null))?.id).toBe(staging);
    expect(found.has(deployKey(p.projectId, 'qa'))).toBe(false);
    const observed = await listObservedDeploys(db.pool, new Date(Date.now() - 65 * 60_000), new Date());
    expect(observed.map((d) => d.id)).toEqual([older, recent, staging]); // the future one has not finished yet
    expect(observed.find((d) => d.id === recent)).toMatchObject({
      version: 'web@2',
      environment: 'production',
      projectIds: [p.projectId],
      verdict: 'failing',
    });
  });
});
