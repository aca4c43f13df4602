// A link to an issue that was merged away (an alert email, a live-stream row, a bookmark) opens
// the issue it was merged into, and the address bar says so.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { call } from '../helpers/api-client.js';
import { createIssue, type Member } from '../helpers/api-factories.js';
import { login, newContext, startUiTestbed, type UiTestbed } from '../helpers/browser.js';

describe('merged issue links (Chromium)', { timeout: 120_000 }, () => {
  let bed: UiTestbed;
  let server: TestServer;
  let browser: Browser;
  let owner: Member;

  beforeAll(async () => {
    bed = await startUiTestbed({ ROLE: 'api' });
    ({ server, browser, owner } = bed);
  }, 180_000);
  afterAll(async () => {
    await bed?.close();
  });

  it('opens the parent issue and replaces the address', async () => {
    const parent = await createIssue(server.pool, {
      projectId: server.project.projectId,
      title: 'CheckoutError: card declined',
      eventCount: 5,
    });
    const child = await createIssue(server.pool, {
      projectId: server.project.projectId,
      title: 'CheckoutError: card declined (old)',
      eventCount: 1,
    });
    const org = server.project.orgSlug;
    const merged = await call(server.url, `/api/0/organizations/${org}/issues/?id=${parent.id}&id=${child.id}`, {
      method: 'PUT',
      token: owner.token,
      body: { merge: 1 },
    });
    expect(merged.body).toEqual({ merge: { parent: parent.id, children: [child.id] } });

    const context = await newContext(browser);
    const page = await context.newPage();
    await login(page, server.url, owner.email, owner.password);
    await page.goto(`${server.url}/organizations/${org}/issues/${child.id}/`);
    await page.waitForURL(`${server.url}/organizations/${org}/issues/${parent.id}/`);
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    await expect.poll(() => crumbs.innerText()).toContain(parent.shortId);
    expect(await crumbs.innerText()).not.toContain(child.shortId);
    await context.close();
  });
});
