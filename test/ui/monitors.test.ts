// The Crons page: each monitor with its schedule, state and recent check-ins as a timeline,
// fed by real check-in envelopes and the scheduler (clock driven by the test).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueSubmitter, runMonitorTick } from '../../server/src/monitors/scheduler.js';
import { waitFor } from '../helpers/wait.js';
import { call } from '../helpers/api-client.js';
import { login, newContext, screenshotThemes, startUiTestbed, type UiTestbed } from '../helpers/browser.js';

describe('crons page (Chromium)', { timeout: 120_000 }, () => {
  let bed: UiTestbed;
  beforeAll(async () => {
    bed = await startUiTestbed({ ROLE: 'all', MONITOR_TICK_SECONDS: '0' });
  }, 180_000);
  afterAll(async () => {
    await bed?.close();
  });

  it('lists monitors with a timeline of their check-ins', async () => {
    const { server, browser, owner } = bed;
    const send = (item: Record<string, unknown>) =>
      fetch(
        `${server.url}/api/${server.project.projectId}/envelope/?sentry_key=${server.project.publicKey}&sentry_version=7`,
        {
          method: 'POST',
          body: `{}\n{"type":"check_in"}\n${JSON.stringify({ check_in_id: randomUUID(), environment: 'production', ...item })}`,
        },
      );
    // Nightly, half a day from now: the tick an hour ahead below must not find it due at any time of day.
    const viennaHour = Number(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Vienna', hour: 'numeric', hourCycle: 'h23' }).format(
        new Date(),
      ),
    );
    const config = {
      schedule: { type: 'crontab', value: `0 ${(viennaHour + 12) % 24} * * *` },
      timezone: 'Europe/Vienna',
    };
    for (const status of ['ok', 'ok', 'error', 'ok', 'ok']) {
      expect(
        (await send({ monitor_slug: 'nightly-sync', status, duration: 42.5, monitor_config: config })).status,
      ).toBe(200);
    }
    await send({
      monitor_slug: 'hourly-import',
      status: 'ok',
      duration: 3,
      monitor_config: { schedule: { type: 'interval', value: 1, unit: 'hour' } },
    });
    const api = (p: string) =>
      call(server.url, `/api/0/organizations/${server.project.orgSlug}${p}`, { token: owner.token });
    await waitFor(
      async () =>
        ((await api('/monitors/hourly-import/checkins/')).body as unknown[] | undefined)?.length === 1 &&
        ((await api('/monitors/nightly-sync/checkins/')).body as unknown[]).length === 5,
      { message: 'the check-ins', timeout: 30_000 },
    );
    // The hourly import then misses its next run.
    const m = (await api('/monitors/hourly-import/')).body;
    expect(
      await runMonitorTick(
        { pool: server.deps.pool, log: server.deps.log, submit: queueSubmitter(server.deps.queue) },
        new Date(Date.parse(m.environments[0].nextCheckInLatest) + 1000),
      ),
    ).toMatchObject({ missed: 1 });

    const context = await newContext(browser, { viewport: { width: 1280, height: 700 } });
    const page = await context.newPage();
    await login(page, server.url, owner.email, owner.password);
    await page.getByRole('link', { name: 'Crons' }).click();
    await page.getByRole('heading', { name: 'Cron monitors' }).waitFor();
    const nightly = page.getByRole('list', { name: 'Recent check-ins of nightly-sync' });
    await expect.poll(() => nightly.getByRole('listitem').count()).toBe(5);
    expect(
      await nightly
        .getByRole('listitem')
        .evaluateAll((els) =>
          els.map((e) => e.className.split(' ').filter((c: string) => c !== 'tick' && !c.startsWith('svelte-'))[0]),
        ),
    ).toEqual(['ok', 'ok', 'error', 'ok', 'ok']);
    const hourly = page.getByRole('list', { name: 'Recent check-ins of hourly-import' });
    await expect.poll(() => hourly.getByRole('listitem').count()).toBe(2);
    const row = page.getByRole('row').filter({ hasText: 'hourly-import' });
    await expect.poll(() => row.textContent()).toContain('Failing');
    await expect.poll(() => row.textContent()).toContain('every 1 hour');
    await expect
      .poll(() => page.getByRole('row').filter({ hasText: 'nightly-sync' }).textContent())
      .toContain('Europe/Vienna');
    await screenshotThemes(page, 'crons', { fullPage: false });
    await context.close();
  });
});
