// Feature flags as the user sees them (Chromium): the signing secret set in the settings panel;
// a signed change-tracking webhook puts a flag-change marker on the live stream; the issue page
// shows the flags table (share of true in the issue next to the project's) with the suspect flag
// highlighted and the change marked on the events chart next to the release's deploy; the
// change's verdict page; the release page's sessions chart marks the change next to the deploy.
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../server/src/flags/webhook.js';
import type { TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { call } from '../helpers/api-client.js';
import type { Member } from '../helpers/api-factories.js';
import { login, newContext, screenshotThemes, startUiTestbed, type UiTestbed } from '../helpers/browser.js';

const SECRET = randomBytes(24).toString('hex');
const RELEASE = 'shop@2.0.0';

describe('feature flags in the UI (Chromium)', { timeout: 180_000 }, () => {
  let bed: UiTestbed;
  let server: TestServer;
  let browser: Browser;
  let owner: Member;
  let crashId: string;
  let deployId: string;

  beforeAll(async () => {
    bed = await startUiTestbed({ ROLE: 'all' });
    ({ server, browser, owner } = bed);
    crashId = await sendTraffic();
    deployId = await deployWithSessions();
  }, 180_000);
  afterAll(async () => {
    await bed?.close();
  });

  /** 40 requests: a warning on each, a crash on the half with new-checkout=true. Returns the crash's issue id. */
  async function sendTraffic(): Promise<string> {
    const auth = `Sentry sentry_key=${server.project.publicKey}, sentry_version=7`;
    const event = (title: string, i: number) => ({
      event_id: randomBytes(16).toString('hex'),
      platform: 'javascript',
      level: 'error',
      release: RELEASE,
      environment: 'production',
      timestamp: Date.now() / 1000 - 120 + i,
      exception: {
        values: [
          {
            type: 'TypeError',
            value: title,
            stacktrace: {
              frames: [{ filename: `app:///${title.length}.js`, function: 'render', lineno: 3, in_app: true }],
            },
          },
        ],
      },
      contexts: {
        flags: {
          values: [
            { flag: 'new-checkout', result: i % 2 === 0 },
            { flag: 'dark-mode', result: Math.floor(i / 2) % 2 === 0 },
          ],
        },
      },
    });
    const all = Array.from({ length: 40 }, (_, i) => [
      event('stock level low', i),
      ...(i % 2 === 0 ? [event('cart.total is undefined', i)] : []),
    ]).flat();
    for (const e of all) {
      const r = await fetch(`${server.url}/api/${server.project.projectId}/store/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sentry-auth': auth },
        body: JSON.stringify(e),
      });
      expect(r.status).toBe(200);
    }
    return waitFor(
      async () => {
        const { rows } = await server.pool.query<{ id: string; event_count: string }>(
          `SELECT id::text, event_count::text FROM issues WHERE title LIKE '%cart.total%'`,
        );
        return rows[0]?.event_count === '20' ? rows[0].id : null;
      },
      { message: 'the crash issue with its 20 events', timeout: 30_000 },
    );
  }

  /** A deploy of the release five minutes ago, with 40 sessions of it over the half hour around it. */
  async function deployWithSessions(): Promise<string> {
    const now = Date.now();
    const items = Array.from({ length: 40 }, (_, i) => [
      JSON.stringify({ type: 'session' }),
      JSON.stringify({
        sid: `s-${i}`,
        did: `user-${i % 10}`,
        init: true,
        started: new Date(now - 30 * 60_000 + i * 45_000).toISOString(),
        status: i % 8 === 0 ? 'crashed' : 'exited',
        errors: i % 8 === 0 ? 1 : 0,
        duration: 5,
        attrs: { release: RELEASE, environment: 'production' },
      }),
    ]);
    const r = await fetch(
      `${server.url}/api/${server.project.projectId}/envelope/?sentry_key=${server.project.publicKey}&sentry_version=7`,
      { method: 'POST', body: ['{}', ...items.flat()].join('\n') },
    );
    expect(r.status).toBe(200);
    await waitFor(
      async () =>
        (await server.pool.query<{ n: number }>('SELECT coalesce(sum(count), 0)::int AS n FROM session_counts'))
          .rows[0]!.n === 40,
      { timeout: 60_000, message: 'sessions counted' },
    );
    const at = new Date(now - 5 * 60_000).toISOString();
    const created = await call(
      server.url,
      `/api/0/organizations/${server.project.orgSlug}/releases/${encodeURIComponent(RELEASE)}/deploys/`,
      { token: owner.token, method: 'POST', body: { environment: 'production', dateStarted: at, dateFinished: at } },
    );
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  it('the stream shows the change marker, the issue its flags and the suspect, the change its verdict', async () => {
    const org = server.project.orgSlug;
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await login(page, server.url, owner.email, owner.password);

    // The signing secret, set as an admin would: in the organization's settings.
    await page.goto(`${server.url}/settings/${org}/`);
    const panel = page.locator('section[aria-label="Feature flag change tracking"]');
    await panel.getByText('No signing secret yet').waitFor();
    await panel.locator('#flag-secret').fill(SECRET);
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByText('Current secret').waitFor();
    expect(await panel.innerText()).not.toContain(SECRET.slice(4, 12));
    const stored = await server.pool.query<{ secret: string }>('SELECT secret FROM flag_signing_secrets');
    expect(stored.rows).toEqual([{ secret: SECRET }]);

    await page.goto(`${server.url}/organizations/${org}/stream/`);
    await page.getByTestId('stream-status').getByText('Live').waitFor();
    const body = JSON.stringify({
      data: [
        {
          action: 'updated',
          change_id: 4242,
          created_at: new Date().toISOString(),
          created_by: { id: 'ops@example.com', type: 'email' },
          flag: 'new-checkout',
        },
      ],
      meta: { version: 1 },
    });
    const hook = await call(server.url, `/api/0/organizations/${org}/flags/hooks/provider/generic/`, {
      method: 'POST',
      body,
      headers: { 'x-sentry-signature': signBody(SECRET, body) },
    });
    expect(hook.status).toBe(200);
    const marker = page.locator('li[data-kind="flag"][data-flag="new-checkout"]');
    await marker.waitFor();
    expect((await marker.innerText()).replace(/\s+/g, ' ')).toContain('Flag new-checkout updated by ops@example.com');
    await screenshotThemes(page, 'stream-flag-change', { fullPage: false });

    await page.goto(`${server.url}/organizations/${org}/issues/${crashId}/`);
    const row = page.locator('section[aria-label="Feature flags"] tr[data-flag="new-checkout"]');
    await row.waitFor();
    await expect.poll(() => row.getAttribute('class')).toContain('suspect');
    expect((await row.innerText()).replace(/\s+/g, ' ')).toMatch(/new-checkout\s*suspect\s*100 % 67 %/i);
    const dark = page.locator('section[aria-label="Feature flags"] tr[data-flag="dark-mode"]');
    expect(await dark.getAttribute('class')).not.toContain('suspect');
    const chart = page.locator('section[aria-label="Event counts"]');
    await chart.locator('[data-marker="flag"]').first().waitFor(); // the change, on the 24h events chart
    await chart.locator('[data-marker="deploy"]').first().waitFor(); // next to the release's deploy
    expect(await chart.locator('[data-marker="deploy"]').getAttribute('title')).toContain(
      `deploy of ${RELEASE} to production`,
    );
    await screenshotThemes(page, 'issue-flags', { fullPage: false });

    await page.goto(`${server.url}/organizations/${org}/flags/changes/${hook.body.data[0].id}/`);
    await page.getByTestId('flag-verdict').waitFor();
    expect((await page.getByTestId('flag-verdict').innerText()).toLowerCase()).toBe('healthy'); // errors fell after it: none came later
    // Nothing after the change yet: the observed change reads ×0, not a smoothed jump.
    const all = page.locator('section[aria-label="Errors by flag result"] tr.all');
    expect((await all.innerText()).replace(/\s+/g, ' ')).toMatch(/^all events 60 0 ×0 /);
    await screenshotThemes(page, 'flag-change', { fullPage: false });

    // The release page: the change on the sessions chart around the deploy, and in the list of changes.
    await page.goto(`${server.url}/organizations/${org}/releases/${encodeURIComponent(RELEASE)}/`);
    const sessions = page.locator(`[data-deploy="${deployId}"]`);
    // A vertical SVG line has no area: Playwright calls it hidden, so wait for it to be there.
    await sessions.locator('svg [data-marker="deploy"]').waitFor({ state: 'attached' });
    await sessions.locator('svg [data-marker="flag"]').waitFor({ state: 'attached' });
    expect(await sessions.locator('svg [data-marker="flag"] title').textContent()).toContain(
      'flag new-checkout updated',
    );
    await page.locator('section[aria-label="Flag changes"] li[data-flag="new-checkout"]').waitFor();
    await screenshotThemes(page, 'release-flag-change', { fullPage: true });
    await context.close();
  });
});
