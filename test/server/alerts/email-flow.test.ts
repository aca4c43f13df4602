// Alert emails end to end: a real Faultline (ROLE all: ingest, API, worker, send-alert worker),
// a real @sentry/node application in a child process, a real SMTP server on 127.0.0.1. Rules,
// the on-call schedule and the history are driven and read through the API.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { call } from '../../helpers/api-client.js';
import { createMember, startSmtp } from '../../helpers/alert-fixtures.js';

const run = promisify(execFile);
const APP = fileURLToPath(new URL('./programs/sentry-app.mjs', import.meta.url));
const BASE_URL = 'http://faultline.test';
const CHECKOUT_TITLE = "TypeError: Cannot read properties of undefined (reading 'number')";

describe('alert emails', { timeout: 90_000 }, () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let server: TestServer;
  let token: string;
  const users: Record<string, { userId: string; email: string }> = {};

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startTestServer({
      ROLE: 'all',
      BASE_URL,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      EMAIL_FROM: 'Faultline Alerts <alerts@faultline.test>',
      ALERT_RETRY_DELAY_MS: '300',
      ALERT_DELIVERY_ATTEMPTS: '20',
      ALERT_DIGEST_WINDOW_SECONDS: '2',
    });
    for (const [name, role] of [
      ['ana', 'owner'],
      ['ben', 'member'],
      ['cyd', 'member'],
    ] as const) {
      const email = `${name}@example.com`;
      const m = await createMember(server.pool, server.project.orgId, email, role);
      users[name] = { userId: m.userId, email };
      if (name === 'ana') token = m.token;
    }
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.stop();
  });

  const api = (path: string, opts: { method?: string; body?: unknown } = {}) =>
    call(server.url, `/api/0${path}`, { ...opts, token });
  const projectPath = (p: CreatedProject) => `/projects/${p.orgSlug}/${p.slug}`;
  const sendEvents = (p: CreatedProject, scenario: string, count = 1) =>
    run(process.execPath, [APP, scenario, String(count)], { env: { ...process.env, DSN: p.dsn }, timeout: 20_000 });
  const storedEvents = async (p: CreatedProject) =>
    (
      await server.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [
        p.projectId,
      ])
    ).rows[0]!.n;
  const deliveries = async (p: CreatedProject) =>
    (
      await server.pool.query<{ status: string; target: string }>(
        'SELECT status, target FROM alert_deliveries WHERE project_id = $1 ORDER BY id',
        [p.projectId],
      )
    ).rows;
  const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));
  const newProject = (slug: string) =>
    createProject(server.pool, { orgSlug: server.project.orgSlug, slug, baseUrl: server.url });

  it('tells who is on call now and next, across a hand-off in the schedule time zone, and with an override', async () => {
    const p = projectPath(server.project);
    const put = await api(`${p}/oncall/`, {
      method: 'PUT',
      body: {
        members: [users.ana!.userId, users.ben!.email],
        rotation: { length: 1, unit: 'weeks' },
        handoffTime: '09:00',
        timeZone: 'Europe/Berlin',
        startDate: berlinDate(Date.now() - 86_400_000),
      },
    });
    expect(put.status).toBe(200);
    expect(put.body.now.user.email).toBe('ana@example.com');
    expect(put.body.next.user.email).toBe('ben@example.com');
    const handoff: string = put.body.now.end;
    expect(berlinTime(Date.parse(handoff))).toBe('09:00');
    expect(put.body.next.start).toBe(handoff);

    const before = await api(
      `${p}/oncall/?at=${encodeURIComponent(new Date(Date.parse(handoff) - 60_000).toISOString())}`,
    );
    const after = await api(`${p}/oncall/?at=${encodeURIComponent(handoff)}`);
    expect([before.body.now.user.email, after.body.now.user.email]).toEqual(['ana@example.com', 'ben@example.com']);

    const now = Date.now();
    const override = await api(`${p}/oncall/overrides/`, {
      method: 'POST',
      body: {
        user: users.cyd!.email,
        start: new Date(now - 3600_000).toISOString(),
        end: new Date(now + 3600_000).toISOString(),
      },
    });
    expect(override.status).toBe(201);
    const current = await api(`${p}/oncall/`);
    expect(current.body.now).toMatchObject({
      user: { email: 'cyd@example.com' },
      source: 'override',
      end: override.body.end,
    });
    expect(current.body.next).toMatchObject({ user: { email: 'ana@example.com' }, start: override.body.end });
  });

  it('emails the on-call person once for a new issue, and not again within the action interval', async () => {
    const p = projectPath(server.project);
    const created = await api(`${p}/alert-rules/`, {
      method: 'POST',
      body: {
        name: 'Errors to on-call',
        conditions: [{ type: 'first_seen' }, { type: 'event_frequency', count: 0, minutes: 60 }],
        filters: [{ type: 'level', match: 'at_least', value: 'error' }],
        actions: [{ type: 'oncall' }],
        frequencyMinutes: 60,
      },
    });
    expect(created.status).toBe(201);
    const ruleId: string = created.body.id;

    await sendEvents(server.project, 'checkout');
    const mail = await waitFor(() => mailsTo('cyd@example.com')[0], { message: 'the on-call email', timeout: 20_000 });
    const {
      rows: [issue],
    } = await server.pool.query<{ id: string }>('SELECT id FROM issues WHERE project_id = $1', [
      server.project.projectId,
    ]);
    expect(mail.from).toBe('alerts@faultline.test');
    expect(mail.subject).toBe(`[Faultline] ${server.project.slug} ERROR: ${CHECKOUT_TITLE}`);
    for (const text of [
      CHECKOUT_TITLE,
      'chargeCard (',
      'sentry-app.mjs',
      'Release: shop@2.4.1',
      'Environment: production',
      'Events: 1',
      'Users: 1',
      'Rule: Errors to on-call: a new issue was created',
      `${BASE_URL}/organizations/${server.project.orgSlug}/issues/${issue!.id}/`,
      'Content-Type: text/html',
      '(reading &#39;number&#39;)',
    ])
      expect(mail.raw).toContain(text);

    await sendEvents(server.project, 'checkout');
    await waitFor(async () => (await storedEvents(server.project)) === 2, { message: 'the second event stored' });
    const history = await waitFor(
      async () => {
        const h = await api(`${p}/alert-rules/${ruleId}/history/`);
        return h.body.some((r: { status: string }) => r.status === 'suppressed') ? h.body : null;
      },
      { message: 'the suppression in the history' },
    );
    expect(history.map((r: { kind: string; status: string }) => `${r.kind}:${r.status}`)).toEqual([
      'suppressed:suppressed',
      'delivery:sent',
      'fired:fired',
    ]);
    expect(history[0].message).toContain('action interval of 60 minutes');
    expect(history[1]).toMatchObject({ channel: 'email', target: 'cyd@example.com', attempt: 1, issueId: issue!.id });
    expect(await deliveries(server.project)).toEqual([{ status: 'sent', target: 'cyd@example.com' }]);
    expect(smtp.mails.filter((m) => m.subject.includes(server.project.slug))).toHaveLength(1);
  });

  it('fires a frequency rule once, when the threshold is crossed', async () => {
    const project = await newProject('frequency');
    const created = await api(`${projectPath(project)}/alert-rules/`, {
      method: 'POST',
      body: {
        name: 'Checkout storm',
        conditions: [{ type: 'event_frequency', count: 2, minutes: 10 }],
        actions: [{ type: 'email', to: ['team@example.com'] }],
        frequencyMinutes: 60,
      },
    });
    expect(created.status).toBe(201);
    await sendEvents(project, 'checkout', 5);
    await waitFor(async () => (await storedEvents(project)) === 5, { message: 'five events stored', timeout: 20_000 });
    const history = await waitFor(
      async () => {
        const h = await api(`${projectPath(project)}/alert-history/`);
        return h.body.some((r: { status: string }) => r.status === 'sent') ? h.body : null;
      },
      { message: 'the sent email in the history' },
    );
    expect(history.filter((r: { status: string }) => r.status === 'fired')).toHaveLength(1);
    expect(history.find((r: { status: string }) => r.status === 'fired').message).toBe(
      'the issue had more than 2 events in 10 minutes',
    );
    expect(history.filter((r: { status: string }) => r.status === 'suppressed')).toHaveLength(1); // recorded once per interval
    expect(mailsTo('team@example.com')).toHaveLength(1);
    expect(mailsTo('team@example.com')[0]!.raw).toContain(
      'Rule: Checkout storm: the issue had more than 2 events in 10 minutes',
    );
  });

  it('survives an SMTP outage: deliveries are retried and nothing is lost', async () => {
    const project = await newProject('outage');
    await api(`${projectPath(project)}/alert-rules/`, {
      method: 'POST',
      body: {
        name: 'New issues to ops',
        conditions: [{ type: 'first_seen' }],
        actions: [{ type: 'email', to: ['ops@example.com'] }],
      },
    });
    await smtp.stop();
    await sendEvents(project, 'refund');
    await sendEvents(project, 'quota');
    const retried = await waitFor(
      async () => {
        const h = await api(`${projectPath(project)}/alert-history/`);
        const rows = h.body.filter((r: { status: string }) => r.status === 'retried');
        return new Set(rows.map((r: { deliveryId: string }) => r.deliveryId)).size >= 2 ? rows : null; // both deliveries failed once
      },
      { message: 'retries of both deliveries recorded during the outage', timeout: 20_000 },
    );
    expect(retried[0].message).toMatch(/SMTP delivery to ops@example.com failed: .*ECONNREFUSED/);
    expect(mailsTo('ops@example.com')).toHaveLength(0);

    await smtp.restart();
    await waitFor(async () => (await deliveries(project)).every((d) => d.status === 'sent'), {
      message: 'all deliveries sent',
      timeout: 20_000,
    });
    const all = mailsTo('ops@example.com')
      .map((m) => m.raw)
      .join('\n');
    expect(all).toContain('RangeError: Invalid array length');
    expect(all).toContain('QuotaError: quota exceeded for tenant 0');
    expect(await deliveries(project)).toHaveLength(2);
    const h = await api(`${projectPath(project)}/alert-history/`);
    const sent = h.body.filter((r: { status: string }) => r.status === 'sent');
    expect(sent.length).toBe(2);
    // Each delivery was claimed again after its failed try (by its own retry, or by the digest job
    // of the other delivery, whose first attempt may come after the restart).
    const claims = await server.pool.query<{ attempts: number }>(
      'SELECT attempts FROM alert_deliveries WHERE project_id = $1',
      [project.projectId],
    );
    expect(claims.rows.map((r) => r.attempts > 1)).toEqual([true, true]);
    // The outage and the recovery show on /metrics (counted since this server started).
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const delivered = (status: string) =>
      Number(
        new RegExp(`^faultline_smtp_deliveries_total\\{status="${status}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0,
      );
    expect(delivered('failed')).toBeGreaterThanOrEqual(2);
    expect(delivered('sent')).toBeGreaterThanOrEqual(2);
  });

  it('bundles alerts to one address within the digest window', async () => {
    const project = await newProject('digest');
    await api(`${projectPath(project)}/alert-rules/`, {
      method: 'POST',
      body: {
        name: 'Everything new',
        conditions: [{ type: 'first_seen' }],
        actions: [{ type: 'email', to: ['digest@example.com'] }],
      },
    });
    await sendEvents(project, 'several');
    await waitFor(
      async () => {
        const d = await deliveries(project);
        return d.length === 3 && d.every((x) => x.status === 'sent');
      },
      { message: 'three alerts delivered', timeout: 20_000 },
    );
    const mails = mailsTo('digest@example.com');
    expect(mails.length).toBeLessThan(3);
    expect(mails.some((m) => /\[Faultline\] \d alerts in digest/.test(m.subject))).toBe(true);
    const all = mails.map((m) => m.raw).join('\n');
    for (const title of [CHECKOUT_TITLE, 'RangeError: Invalid array length', 'QuotaError: quota exceeded for tenant 0'])
      expect(all).toContain(title);
  });
});

function berlinDate(ms: number): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
}

function berlinTime(ms: number): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Berlin',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);
}
