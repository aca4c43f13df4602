// Cron monitors end to end: a real Faultline (ROLE all, the scheduler's clock driven by the
// test), the real `sentry-cli monitors run` and @sentry/node's captureCheckIn creating and
// updating monitors, a missed schedule opening an issue that e-mails once through a real SMTP
// server, recovery resolving it, a timed-out run, and bad check-ins dropped with an outcome.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMonitorTick, queueSubmitter } from '../../server/src/monitors/scheduler.js';
import { createProject } from '../helpers/factories.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import type { EventJob } from '../../server/src/shared/queues.js';
import { call } from '../helpers/api-client.js';
import { createMember, startSmtp } from '../helpers/alert-fixtures.js';
import { sentryCli, type SentryCli } from '../helpers/sentry-cli.js';

const run = promisify(execFile);
const APP = fileURLToPath(new URL('./programs/check-in-app.mjs', import.meta.url));
const MINUTE = 60_000;

describe('cron monitors', { timeout: 120_000 }, () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let s: TestServer;
  let token: string;
  let cli: SentryCli;

  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startTestServer({
      ROLE: 'all',
      MONITOR_TICK_SECONDS: '0',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      EMAIL_FROM: 'Faultline <alerts@faultline.test>',
      ALERT_DIGEST_WINDOW_SECONDS: '0',
      ALERT_RETRY_DELAY_MS: '300',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    });
    token = (await createMember(s.pool, s.project.orgId, 'ops-lead@example.com', 'owner')).token;
    // Environment ids apart from monitor ids, as in any database that has run a while (a query
    // that mixed them up passed while they happened to be equal).
    await s.pool.query(`SELECT setval('monitor_environments_id_seq', 1000)`);
    cli = await sentryCli({ url: s.url, token, org: s.project.orgSlug, project: s.project.slug });
  });
  afterAll(async () => {
    await cli?.cleanup();
    await s?.stop();
    await smtp?.stop();
  });

  const api = (path: string, opts: { method?: string; body?: unknown } = {}) =>
    call(s.url, `/api/0/organizations/${s.project.orgSlug}${path}`, { ...opts, token });
  const projectApi = (path: string, opts: { method?: string; body?: unknown } = {}) =>
    call(s.url, `/api/0/projects/${s.project.orgSlug}/${s.project.slug}${path}`, { ...opts, token });
  const tick = (at: number) =>
    runMonitorTick({ pool: s.deps.pool, log: s.deps.log, submit: queueSubmitter(s.deps.queue) }, new Date(at));
  const checkIns = async (slug: string) =>
    (await api(`/monitors/${slug}/checkins/`)).body as Array<{
      status: string;
      duration: number | null;
      environment: string;
    }>;
  const monitorIssue = (title: string) =>
    s.pool
      .query<{ id: string; status: string; event_count: string }>(
        'SELECT id, status, event_count FROM issues WHERE title = $1',
        [title],
      )
      .then((r) => r.rows[0]);
  /** Nothing waiting or running on the event and alert queues: every e-mail there will be has gone out. */
  const settled = async () => {
    for (const q of [s.deps.queue, s.deps.alerts.queue]) {
      const counts = await q.getJobCounts('wait', 'waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(counts).some((n) => n > 0)) return false;
    }
    return true;
  };
  const envelope = (projectDsn: { publicKey: string; projectId: string }, items: Array<[string, unknown]>) =>
    fetch(`${s.url}/api/${projectDsn.projectId}/envelope/?sentry_key=${projectDsn.publicKey}&sentry_version=7`, {
      method: 'POST',
      body: `{}\n${items.map(([type, p]) => `{"type":"${type}"}\n${JSON.stringify(p)}`).join('\n')}`,
    });

  it('sentry-cli monitors run creates the monitor from its flags and records a successful run', async () => {
    const r = await cli.run(
      [
        'monitors',
        'run',
        '-s',
        '*/5 * * * *',
        '--check-in-margin',
        '2',
        '--max-runtime',
        '3',
        '--timezone',
        'Europe/Vienna',
        '--failure-issue-threshold',
        '1',
        '--recovery-threshold',
        '1',
        'nightly-sync',
        '--',
        '/bin/sh',
        '-c',
        'echo synced',
      ],
      { env: { SENTRY_DSN: s.project.dsn } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('synced');
    const list = await waitFor(
      async () => (await checkIns('nightly-sync')).find((c) => c.status === 'ok') && checkIns('nightly-sync'),
      { message: 'the ok check-in' },
    );
    expect(list).toHaveLength(1); // in_progress became ok: one check-in
    expect(list[0]).toMatchObject({ status: 'ok', environment: 'production' });
    expect(list[0]!.duration).toBeGreaterThanOrEqual(0);
    const m = (await api('/monitors/nightly-sync/')).body;
    expect(m).toMatchObject({
      slug: 'nightly-sync',
      project: { slug: s.project.slug },
      config: {
        schedule_type: 'crontab',
        schedule: '*/5 * * * *',
        checkin_margin: 2,
        max_runtime: 3,
        timezone: 'Europe/Vienna',
        failure_issue_threshold: 1,
        recovery_threshold: 1,
      },
    });
    expect(m.environments[0]).toMatchObject({ name: 'production', status: 'ok', isFailing: false });
    // Next check-in: the next 5-minute mark after the run, plus the 2-minute margin.
    const next = Date.parse(m.environments[0].nextCheckIn);
    expect(new Date(next).getUTCMinutes() % 5).toBe(0);
    expect(Date.parse(m.environments[0].nextCheckInLatest) - next).toBe(2 * MINUTE);
  });

  it('sentry-cli monitors run with a failing command records an error and opens an issue', async () => {
    // Yearly schedules here and for sdk-job: the missed-schedule test below ticks the scheduler's
    // clock up to a quarter of an hour ahead, where an hourly or daily job of another test could
    // fall due too (and open an issue and send an e-mail of its own).
    const r = await cli.run(['monitors', 'run', '-s', '0 0 1 1 *', 'billing-export', '--', '/bin/sh', '-c', 'exit 3'], {
      env: { SENTRY_DSN: s.project.dsn },
    });
    expect(r.code).toBe(3); // the command's exit code is passed through
    await waitFor(async () => (await checkIns('billing-export'))[0]?.status === 'error', {
      message: 'the error check-in',
    });
    const issue = await waitFor(() => monitorIssue('Monitor failure: billing-export (error)'), {
      message: 'the monitor issue',
    });
    expect(issue.status).toBe('unresolved');
  });

  it("the SDK's captureCheckIn with monitor_config creates, then updates, a monitor", async () => {
    await run(process.execPath, [APP, 'sdk-job', 'interval'], {
      env: { ...process.env, DSN: s.project.dsn },
      timeout: 20_000,
    });
    await waitFor(async () => (await checkIns('sdk-job'))[0]?.status === 'ok', { message: 'the SDK ok check-in' });
    const created = (await api('/monitors/sdk-job/')).body;
    expect(created.config).toEqual({
      schedule_type: 'interval',
      schedule: [2, 'hour'],
      checkin_margin: 5,
      max_runtime: 30,
      timezone: 'America/New_York',
      failure_issue_threshold: 1,
      recovery_threshold: 1,
    });
    const [c] = await checkIns('sdk-job');
    expect(c!.duration).toBe(1500);
    // Interval: the next check-in is due 2 hours after the last one.
    expect(Date.parse(created.environments[0].nextCheckIn) - Date.parse(created.environments[0].lastCheckIn)).toBe(
      120 * MINUTE,
    );

    await run(process.execPath, [APP, 'sdk-job', 'crontab'], {
      env: { ...process.env, DSN: s.project.dsn },
      timeout: 20_000,
    });
    const updated = await waitFor(
      async () => {
        const m = (await api('/monitors/sdk-job/')).body;
        return m.config.schedule_type === 'crontab' ? m : null;
      },
      { message: 'the updated config' },
    );
    expect(updated.config).toEqual({
      schedule_type: 'crontab',
      schedule: '15 4 1 1 *',
      checkin_margin: 10,
      max_runtime: 60,
      timezone: 'Europe/Vienna',
      failure_issue_threshold: 2,
      recovery_threshold: 3,
    });
    expect(updated.id).toBe(created.id);
    expect(await checkIns('sdk-job')).toHaveLength(2);
  });

  it('a missed schedule opens one issue and sends one e-mail; recovery resolves it', async () => {
    const rule = await projectApi('/alert-rules/', {
      method: 'POST',
      body: {
        name: 'Broken jobs',
        conditions: [{ type: 'first_seen' }],
        actions: [{ type: 'email', to: ['oncall@example.com'] }],
        frequencyMinutes: 60,
      },
    });
    expect(rule.status).toBe(201);
    const m = (await api('/monitors/nightly-sync/')).body;
    const latest = Date.parse(m.environments[0].nextCheckInLatest);
    expect(await tick(latest - 1000)).toEqual({ missed: 0, timedOut: 0, events: 0 }); // within the margin: not missed yet
    expect(await tick(latest + 1000)).toEqual({ missed: 1, timedOut: 0, events: 1 });
    const title = 'Monitor failure: nightly-sync (missed)';
    const issue = await waitFor(() => monitorIssue(title), { message: 'the missed issue', timeout: 20_000 });
    const mail = await waitFor(() => smtp.mails.find((x) => x.to.includes('oncall@example.com')), {
      message: 'the e-mail',
      timeout: 20_000,
    });
    expect(mail.subject).toContain(title);
    const missed = await checkIns('nightly-sync');
    expect(missed[0]).toMatchObject({ status: 'missed' });

    // Still missing 5 minutes later: the same issue is updated, no second e-mail.
    const again = (await api('/monitors/nightly-sync/')).body;
    expect(await tick(Date.parse(again.environments[0].nextCheckInLatest) + 1000)).toMatchObject({
      missed: 1,
      events: 1,
    });
    await waitFor(async () => (await monitorIssue(title))?.event_count === '2', {
      message: 'the second occurrence',
      timeout: 20_000,
    });
    expect(await tick(Date.parse(again.environments[0].nextCheckInLatest) + 1000)).toMatchObject({ missed: 0 }); // a tick repeated at the same time finds nothing
    await waitFor(settled, { message: 'the queues to settle', timeout: 20_000 }); // a wrong second delivery would be sent by now
    expect(smtp.mails.filter((x) => x.to.includes('oncall@example.com'))).toHaveLength(1);
    expect((await api('/monitors/nightly-sync/')).body.environments[0]).toMatchObject({
      status: 'error',
      isFailing: true,
    });

    // The job runs again: the issue resolves (recovery threshold 1).
    const r = await cli.run(['monitors', 'run', 'nightly-sync', '--', '/bin/true'], {
      env: { SENTRY_DSN: s.project.dsn },
    });
    expect(r.code, r.stderr).toBe(0);
    await waitFor(async () => (await monitorIssue(title))?.status === 'resolved', {
      message: 'the resolved issue',
      timeout: 20_000,
    });
    expect((await api('/monitors/nightly-sync/')).body.environments[0]).toMatchObject({
      status: 'ok',
      isFailing: false,
    });
    const { rows } = await s.pool.query<{ kind: string; data: { reason: string } }>(
      'SELECT kind, data FROM issue_activities WHERE issue_id = $1',
      [issue.id],
    );
    expect(rows).toContainEqual({
      kind: 'set_resolved',
      data: expect.objectContaining({ reason: 'monitor-recovered' }),
    });
  });

  it('a run past its max runtime times out', async () => {
    const checkInId = randomUUID();
    // A daily slot twelve hours from now: the tick six minutes ahead must not also find the slot missed
    // (a fixed 02:00 slot made this test fail when it ran just before 02:00 UTC).
    const farHour = (new Date().getUTCHours() + 12) % 24;
    const res = await envelope(s.project, [
      [
        'check_in',
        {
          check_in_id: checkInId,
          monitor_slug: 'report-build',
          status: 'in_progress',
          monitor_config: {
            schedule: { type: 'crontab', value: `0 ${farHour} * * *` },
            max_runtime: 5,
            failure_issue_threshold: 1,
          },
        },
      ],
    ]);
    expect(res.status).toBe(200);
    await waitFor(async () => (await checkIns('report-build'))[0]?.status === 'in_progress', {
      message: 'the in-progress check-in',
    });
    expect(await tick(Date.now() + 6 * MINUTE)).toMatchObject({ timedOut: 1 });
    expect((await checkIns('report-build'))[0]).toMatchObject({ status: 'timeout' });
    await waitFor(() => monitorIssue('Monitor failure: report-build (timed out)'), {
      message: 'the timeout issue',
      timeout: 20_000,
    });
    // The job finishing late changes nothing: a timed-out check-in is final.
    expect(
      (
        await envelope(s.project, [
          ['check_in', { check_in_id: checkInId, monitor_slug: 'report-build', status: 'ok' }],
        ])
      ).status,
    ).toBe(200);
    await waitFor(settled, { message: 'the late check-in to be processed', timeout: 20_000 });
    expect((await checkIns('report-build'))[0]).toMatchObject({ status: 'timeout' });
  });

  it('an ok that overtakes the failure event in the queue still resolves its issue', async () => {
    const config = {
      schedule: { type: 'crontab', value: '*/10 * * * *' },
      checkin_margin: 1,
      failure_issue_threshold: 1,
      recovery_threshold: 1,
    };
    await envelope(s.project, [
      ['check_in', { check_in_id: randomUUID(), monitor_slug: 'late-report', status: 'ok', monitor_config: config }],
    ]);
    await waitFor(async () => (await checkIns('late-report'))[0]?.status === 'ok', { message: 'the first ok' });
    const latest = Date.parse((await api('/monitors/late-report/')).body.environments[0].nextCheckInLatest);
    // The tick marks the run missed; its failure event is held back, as a busy queue would.
    const held: EventJob[] = [];
    const tickResult = await runMonitorTick(
      { pool: s.deps.pool, log: s.deps.log, submit: async (jobs) => void held.push(...jobs) },
      new Date(latest + 1000),
    );
    // Other tests' monitors (nightly-sync runs every 5 minutes) may fall due in the same window: the
    // assertions look at late-report's own failure event only.
    const ownEvents = held.filter((job) => JSON.parse(job.payload).tags?.['monitor.slug'] === 'late-report');
    expect(ownEvents).toHaveLength(1);
    expect(tickResult!.missed).toBeGreaterThanOrEqual(1);
    // The late job reports ok before the failure event is stored.
    await envelope(s.project, [['check_in', { check_in_id: randomUUID(), monitor_slug: 'late-report', status: 'ok' }]]);
    await waitFor(
      async () =>
        (await checkIns('late-report'))[0]?.status === 'ok' ||
        (await s.deps.queue.getJobCounts('delayed')).delayed! > 0,
      { message: 'the ok to be tried once' },
    );
    await queueSubmitter(s.deps.queue)(held);
    const title = 'Monitor failure: late-report (missed)';
    await waitFor(async () => (await monitorIssue(title))?.status === 'resolved', {
      message: 'the missed issue resolved by the ok',
      timeout: 30_000,
    });
    expect((await checkIns('late-report')).map((c) => c.status).sort()).toEqual(['missed', 'ok', 'ok']);
    expect((await api('/monitors/late-report/')).body.environments[0]).toMatchObject({
      status: 'ok',
      isFailing: false,
    });
  });

  it('bad check-ins are dropped with an outcome, never a 5xx; the API names the bad field', async () => {
    const other = await createProject(s.pool, { orgSlug: s.project.orgSlug, slug: 'other-app', baseUrl: s.url });
    const id = () => randomUUID().replaceAll('-', '');
    const bad: Array<[string, unknown]> = [
      ['check_in', { check_in_id: id(), monitor_slug: 'nightly-sync', status: 'unknown' }],
      [
        'check_in',
        {
          check_in_id: id(),
          monitor_slug: 'weird',
          status: 'ok',
          monitor_config: { schedule: { type: 'crontab', value: 'every night' } },
        },
      ],
      ['check_in', { check_in_id: id(), monitor_slug: 'never-configured', status: 'ok' }],
      ['check_in', 'a string, not an object'],
    ];
    for (const item of bad) expect((await envelope(s.project, [item])).status).toBe(200);
    // Another project of the organization cannot check in to (or reconfigure) this project's monitor.
    expect(
      (
        await envelope(other, [
          [
            'check_in',
            {
              check_in_id: id(),
              monitor_slug: 'nightly-sync',
              status: 'error',
              monitor_config: { schedule: { type: 'crontab', value: '* * * * *' } },
            },
          ],
        ])
      ).status,
    ).toBe(200);
    const reasons = async (p: { orgSlug: string; slug: string }) => {
      const r = await call(s.url, `/api/0/projects/${p.orgSlug}/${p.slug}/stats/`, { token });
      return (
        r.body.groups as Array<{
          by: { outcome: string; reason: string; category: string };
          totals: Record<string, number>;
        }>
      )
        .filter((g) => g.by.category === 'monitor' && g.by.outcome === 'invalid')
        .map((g) => `${g.by.reason}:${g.totals['sum(quantity)']}`)
        .sort();
    };
    const expected = JSON.stringify(['invalid-check-in:3', 'unknown-monitor:1']);
    await waitFor(async () => JSON.stringify(await reasons(s.project)) === expected, {
      message: `the invalid outcomes ${expected}`,
      timeout: 40_000,
      interval: 500,
    }); // unknown monitors are retried for 10 s first
    expect(await waitFor(async () => (await reasons(other)).length === 1 && reasons(other))).toEqual([
      'monitor-other-project:1',
    ]);
    expect((await api('/monitors/nightly-sync/')).body.config.schedule).toBe('*/5 * * * *'); // not reconfigured
    expect((await api('/monitors/weird/')).status).toBe(404);

    const badSchedule = await api('/monitors/', {
      method: 'POST',
      body: { project: s.project.slug, name: 'Weekly', config: { schedule_type: 'crontab', schedule: {} } },
    });
    expect(badSchedule.status).toBe(400);
    const unparsable = await api('/monitors/', {
      method: 'POST',
      body: { project: s.project.slug, name: 'Weekly', config: { schedule: { type: 'crontab', value: '0 0 * * 9' } } },
    });
    expect(unparsable.status).toBe(400);
    expect(unparsable.body.error.message).toMatch(/^config\.schedule: crontab "0 0 \* \* 9" does not parse/);
    const badZone = await api('/monitors/', {
      method: 'POST',
      body: {
        project: s.project.slug,
        name: 'Weekly',
        config: { schedule: { type: 'crontab', value: '0 0 * * 1' }, timezone: 'Moon/Base' },
      },
    });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.message).toMatch(/^config\.timezone: unknown time zone/);
    const ok = await api('/monitors/', {
      method: 'POST',
      body: {
        project: s.project.slug,
        name: 'Weekly report',
        config: { schedule: { type: 'interval', value: 1, unit: 'week' } },
      },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      slug: 'weekly-report',
      config: { schedule_type: 'interval', schedule: [1, 'week'] },
    });
    const list = (await api('/monitors/')).body as Array<{ slug: string }>;
    expect(list.map((m) => m.slug)).toEqual([
      'billing-export',
      'late-report',
      'nightly-sync',
      'report-build',
      'sdk-job',
      'weekly-report',
    ]);
  });
});
