// Feature flags as the user sees them (Chromium): a signed change-tracking webhook puts a
// flag-change marker on the live stream; the issue page shows the flags table (share of true
// in the issue next to the project's) with the suspect flag highlighted and the change marked
// on the events chart; the change's verdict page; the signing-secret panel in settings.
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

describe('feature flags in the UI (Chromium)', { timeout: 180_000 }, () => {
  let bed: UiTestbed;
  let server: TestServer;
  let browser: Browser;
  let owner: Member;
  let crashId: string;

  beforeAll(async () => {
    bed = await startUiTestbed({ ROLE: 'all' });
    ({ server, browser, owner } = bed);
    const set = await call(server.url, `/api/0/organizations/${server.project.orgSlug}/flags/signing-secrets/`, {
      method: 'POST',
      token: owner.token,
      body: { provider: 'generic', secret: SECRET },
    });
    expect(set.status).toBe(201);
    crashId = await sendTraffic();
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

  it('the stream shows the change marker, the issue its flags and the suspect, the change its verdict', async () => {
    const org = server.project.orgSlug;
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await login(page, server.url, owner.email, owner.password);

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
    await page.locator('[data-marker="flag"]').first().waitFor(); // the change, on the 24h events chart
    await screenshotThemes(page, 'issue-flags', { fullPage: false });

    await page.goto(`${server.url}/organizations/${org}/flags/changes/${hook.body.data[0].id}/`);
    await page.getByTestId('flag-verdict').waitFor();
    expect((await page.getByTestId('flag-verdict').innerText()).toLowerCase()).toBe('healthy'); // errors fell after it: none came later
    await screenshotThemes(page, 'flag-change', { fullPage: false });

    await page.goto(`${server.url}/settings/${org}/`);
    const panel = page.locator('section[aria-label="Feature flag change tracking"]');
    await panel.getByText('Current secret').waitFor();
    expect(await panel.innerText()).not.toContain(SECRET.slice(4, 12));
    await context.close();
  });
});
