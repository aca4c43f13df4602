// The issue page offers unmerge per hash (Chromium, real server with worker): the Hashes card lists
// the merged issue's hashes, Unmerge on one starts it, progress shows until it is done, and the
// new issue is one click away, holding that hash. Screenshots of the card in both themes.
import { randomBytes } from 'node:crypto';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.js';
import type { TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { call } from '../helpers/api-client.js';
import type { Member } from '../helpers/api-factories.js';
import { login, newContext, startUiTestbed, type UiTestbed } from '../helpers/browser.js';

const DOCS = new URL('../../docs/screenshots/', import.meta.url).pathname;

describe('unmerge on the issue page (Chromium)', { timeout: 180_000 }, () => {
  let bed: UiTestbed;
  let server: TestServer;
  let browser: Browser;
  let owner: Member;

  beforeAll(async () => {
    bed = await startUiTestbed({ ROLE: 'all' });
    ({ server, browser, owner } = bed);
  }, 180_000);
  afterAll(async () => {
    await bed?.close();
  });

  async function send(fingerprint: string, message: string): Promise<{ issueId: string; hash: string }> {
    const eventId = randomBytes(16).toString('hex');
    const event = {
      event_id: eventId,
      platform: 'javascript',
      level: 'error',
      timestamp: Date.now() / 1000,
      fingerprint: [fingerprint],
      user: { id: randomBytes(3).toString('hex') },
      exception: { values: [{ type: 'TypeError', value: message }] },
    };
    const body = [JSON.stringify({ event_id: eventId }), JSON.stringify({ type: 'event' }), JSON.stringify(event)].join(
      '\n',
    );
    const p = server.project;
    expect(
      (
        await request(`${server.url}/api/${p.projectId}/envelope/?sentry_key=${p.publicKey}&sentry_version=7`, {
          headers: { 'content-type': 'application/x-sentry-envelope' },
          body,
        })
      ).status,
    ).toBe(200);
    return waitFor(
      async () =>
        (
          await server.pool.query<{ issueId: string; hash: string }>(
            'SELECT issue_id::text AS "issueId", primary_hash AS hash FROM events WHERE event_id = $1',
            [eventId],
          )
        ).rows[0],
      { timeout: 30_000 },
    );
  }

  async function screenshotCard(card: Locator, name: string): Promise<void> {
    const page = card.page();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await card.screenshot({ path: `${DOCS}${name}-${scheme}.png`, animations: 'disabled', timeout: 60_000 });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  it('lists the hashes, unmerges one with visible progress, and links to the new issue', async () => {
    const a = await send('cart-total', "Cannot read properties of undefined (reading 'total')");
    await send('cart-total', "Cannot read properties of undefined (reading 'total')");
    const b = await send('cart-items', "Cannot read properties of null (reading 'items')");
    for (let i = 0; i < 3; i++) await send('cart-items', "Cannot read properties of null (reading 'items')");
    const org = server.project.orgSlug;
    const merged = await call(server.url, `/api/0/organizations/${org}/issues/?id=${a.issueId}&id=${b.issueId}`, {
      method: 'PUT',
      token: owner.token,
      body: { merge: 1 },
    });
    const parent: string = merged.body.merge.parent;

    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await login(page, server.url, owner.email, owner.password);
    await page.goto(`${server.url}/organizations/${org}/issues/${parent}/`);
    const card = page.getByRole('region', { name: 'Hashes' });
    await expect.poll(() => card.locator('tbody tr').count(), { timeout: 30_000 }).toBe(2);
    await screenshotCard(card, 'issue-hashes');

    await card.locator('tr', { hasText: a.hash }).getByRole('button', { name: 'Unmerge' }).click();
    await expect
      .poll(() => card.innerText(), { timeout: 60_000 })
      .toContain('Unmerged 1 hash into a new issue: 2 events moved.');
    expect(await card.locator('progress').getAttribute('value')).toBe('100');
    await expect.poll(() => card.locator('tbody tr').count(), { timeout: 30_000 }).toBe(1);
    await page.reload(); // (without the toast over the card)
    await expect.poll(() => card.innerText(), { timeout: 30_000 }).toContain('2 events moved');
    await screenshotCard(card, 'issue-unmerged');

    await card.getByRole('link', { name: 'New issue' }).click();
    await page.waitForURL((url) => !url.pathname.includes(`/issues/${parent}/`));
    const fresh = page.getByRole('region', { name: 'Hashes' });
    await expect
      .poll(() => fresh.innerText(), { timeout: 30_000 })
      .toContain('Unmerged 1 hash from the issue it was split off');
    // The card may still show the previous issue's rows for a moment after the route changed.
    await expect
      .poll(() => fresh.locator('tbody tr').allInnerTexts(), { timeout: 30_000 })
      .toEqual([expect.stringContaining(a.hash)]);
    expect(await fresh.getByRole('button', { name: 'Unmerge' }).isDisabled()).toBe(true); // an issue keeps one hash
    await context.close();
  });
});
