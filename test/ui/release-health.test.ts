// Release health in Chromium: the releases list and a release page show crash-free sessions and
// users and adoption from real session envelopes, the release page charts sessions around its
// deploy, the deploy page shows the session evidence, and the live stream opens with earlier
// events (and the deploy marker) marked as such. Screenshots in both themes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/api-client.js';
import { waitFor } from '../helpers/wait.js';
import { login, newContext, screenshotThemes, startUiTestbed, type UiTestbed } from '../helpers/browser.js';

describe('release health pages (Chromium)', { timeout: 240_000 }, () => {
  let bed: UiTestbed;
  let deployId: string;
  const OLD = 'shop@1.0.0';
  const NEW = 'shop@2.0.0';

  const envelope = (items: unknown[][]) =>
    fetch(
      `${bed.server.url}/api/${bed.server.project.projectId}/envelope/?sentry_key=${bed.server.project.publicKey}&sentry_version=7`,
      {
        method: 'POST',
        body: ['{}', ...items.flatMap(([h, p]) => [JSON.stringify(h), JSON.stringify(p)])].join('\n'),
      },
    );
  /** `n` sessions of a release started over the minutes before `until`; the first `crashed` crash. */
  async function sessions(release: string, n: number, crashed: number, from: number, until: number): Promise<void> {
    const items = Array.from({ length: n }, (_, i) => [
      { type: 'session' },
      {
        sid: `${release}-${from}-${i}`,
        did: `user-${i % 40}`,
        init: true,
        started: new Date(from + ((until - from) * i) / n).toISOString(),
        status: i < crashed ? 'crashed' : 'exited',
        errors: i < crashed ? 1 : 0,
        duration: 12,
        attrs: { release, environment: 'production' },
      },
    ]);
    for (let i = 0; i < items.length; i += 90) expect((await envelope(items.slice(i, i + 90))).status).toBe(200);
  }

  beforeAll(async () => {
    bed = await startUiTestbed({ ROLE: 'all' });
    const { server, owner } = bed;
    const org = server.project.orgSlug;
    const now = Date.now();
    const deployAt = now - 10 * 60_000;
    await sessions(OLD, 200, 1, deployAt - 9 * 60_000, deployAt - 60_000);
    await sessions(NEW, 100, 40, deployAt + 60_000, now - 60_000);
    await waitFor(
      async () => {
        const { rows } = await server.pool.query<{ n: number }>(
          'SELECT coalesce(sum(count), 0)::int AS n FROM session_counts',
        );
        return rows[0]!.n === 300;
      },
      { timeout: 60_000, message: 'sessions counted' },
    );
    const created = await call(server.url, `/api/0/organizations/${org}/releases/${encodeURIComponent(NEW)}/deploys/`, {
      token: owner.token,
      method: 'POST',
      body: {
        environment: 'production',
        dateStarted: new Date(deployAt).toISOString(),
        dateFinished: new Date(deployAt).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    deployId = created.body.id;
    // Events from before anyone opens the stream: the stream must show them as earlier.
    for (const title of ['cart total is NaN', 'coupon rejected']) {
      const r = await envelope([
        [
          { type: 'event' },
          {
            level: 'error',
            release: NEW,
            environment: 'production',
            exception: { values: [{ type: 'TypeError', value: title }] },
          },
        ],
      ]);
      expect(r.status).toBe(200);
    }
    await waitFor(async () => (await server.pool.query('SELECT 1 FROM events')).rowCount === 2, {
      timeout: 60_000,
      message: 'events stored',
    });
  }, 240_000);
  afterAll(async () => {
    await bed?.close();
  });

  it('shows crash-free sessions, users and adoption per release, and charts sessions around the deploy', async () => {
    const { server, browser, owner } = bed;
    const org = server.project.orgSlug;
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await login(page, server.url, owner.email, owner.password);
    await page.goto(`${server.url}/organizations/${org}/releases/`);
    const row = (v: string) => page.locator('tr', { has: page.locator(`a[title="${v}"]`) });
    await expect
      .poll(() => row(NEW).locator('[data-health="crash-free-sessions"]').textContent(), { timeout: 30_000 })
      .toBe('60.0 %');
    expect(await row(OLD).locator('[data-health="crash-free-sessions"]').textContent()).toBe('99.5 %');
    expect(await row(NEW).locator('[data-health="adoption"]').textContent()).toBe('33.3 %');
    expect(await row(OLD).locator('[data-health="crash-free-users"]').textContent()).toBe('97.5 %'); // 1 of 40 users crashed
    expect(await row(NEW).locator('svg[aria-label^="Sessions per hour"]').count()).toBe(1);
    await screenshotThemes(page, 'releases-health', { fullPage: false });

    await page.goto(`${server.url}/organizations/${org}/releases/${encodeURIComponent(NEW)}/`);
    await expect
      .poll(() => page.locator('dd[data-health="crash-free-sessions"]').textContent(), { timeout: 30_000 })
      .toBe('60.0 %');
    const chart = page.locator(`[data-deploy="${deployId}"]`);
    await expect.poll(() => chart.locator('[data-side="after"]').textContent(), { timeout: 30_000 }).toBe('60.0 %');
    expect(await chart.locator('svg rect.crashed').count()).toBeGreaterThan(0);
    // This release's sessions all started after the deploy: no bar with sessions left of its line.
    const markerX = Number(await chart.locator('line.marker').getAttribute('data-x'));
    const crashedXs = await chart
      .locator('svg rect.crashed')
      .evaluateAll((rs) => rs.filter((r) => Number(r.getAttribute('height')) > 0).map((r) => Number(r.dataset.x)));
    expect(crashedXs.length).toBeGreaterThan(0);
    expect(crashedXs.filter((x) => x < markerX)).toEqual([]);
    await screenshotThemes(page, 'release-health', { fullPage: true });

    await page.goto(`${server.url}/organizations/${org}/releases/${encodeURIComponent(NEW)}/deploys/${deployId}/`);
    // innerText: the text as shown (line breaks in the markup collapse to one space).
    await expect
      .poll(() => page.locator('[data-session="sides"]').innerText(), { timeout: 30_000 })
      .toContain('100 sessions of this release after the deploy vs 200 before it');
    expect(await page.locator('[data-session="crash-free-after"]').textContent()).toBe('60.0%');
    await screenshotThemes(page, 'deploy-sessions', { fullPage: true });
    await context.close();
  });

  it('opens the live stream with the earlier events and the deploy marker', async () => {
    const { server, browser, owner } = bed;
    const context = await newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await login(page, server.url, owner.email, owner.password);
    await page.goto(`${server.url}/organizations/${server.project.orgSlug}/stream/`);
    await expect
      .poll(() => page.locator('li[data-kind="event"][data-earlier="true"]').count(), { timeout: 30_000 })
      .toBe(2);
    expect(await page.locator('li[data-kind="deploy"][data-earlier="true"]').count()).toBe(1);
    expect(await page.getByText('Waiting for events').count()).toBe(0);
    await screenshotThemes(page, 'stream-earlier', { fullPage: false });
    await context.close();
  });
});
