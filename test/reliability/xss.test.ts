// Stored XSS: an SDK event whose message, exception, tags, extra data, breadcrumbs and request
// carry HTML and script payloads is shown in headless Chromium (issue list, issue page with its
// latest event): the payloads appear as text and nothing runs.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { createMember, type Member } from '../helpers/api-factories.js';
import { ensureUiBuilt, launchBrowser, login, newContext } from '../helpers/browser.js';
import { sendEvent } from '../helpers/reliability-harness.js';

const PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=2</script>',
  '"><svg onload="window.__xss=3">',
  'javascript:window.__xss=4',
];

describe('stored XSS in event content', { timeout: 120_000 }, () => {
  let s: TestServer;
  let owner: Member;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  beforeAll(async () => {
    await ensureUiBuilt();
    s = await startTestServer({ ROLE: 'all' });
    owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
    browser = await launchBrowser();
    page = await (await newContext(browser)).newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('renders payloads as text and runs none of them', async () => {
    const status = await sendEvent(s.url, s.project, {
      level: 'error',
      platform: 'javascript',
      message: `Boom ${PAYLOADS[0]}`,
      exception: {
        values: [
          {
            type: 'XssError',
            value: PAYLOADS.join(' '),
            stacktrace: {
              frames: [
                { function: PAYLOADS[1], filename: PAYLOADS[2], abs_path: PAYLOADS[3], lineno: 1, in_app: true },
              ],
            },
          },
        ],
      },
      tags: { note: PAYLOADS[0], [PAYLOADS[2]!]: 'x' },
      extra: { html: PAYLOADS[1] },
      breadcrumbs: { values: [{ category: 'ui', message: PAYLOADS[0], data: { url: PAYLOADS[3] } }] },
      request: { url: 'https://shop.example/<script>window.__xss=5</script>', headers: { Referer: PAYLOADS[3] } },
      user: { id: PAYLOADS[2], email: `x@example.com${PAYLOADS[0]}` },
    });
    expect(status).toBe(200);
    const issue = await waitFor(
      async () =>
        (await s.pool.query<{ id: string }>('SELECT id FROM issues WHERE project_id = $1', [s.project.projectId]))
          .rows[0],
      { timeout: 20_000, message: 'the issue' },
    );

    await login(page, s.url, owner.email, owner.password);
    await page.goto(`${s.url}/organizations/${s.project.orgSlug}/issues/`);
    await page.getByText('XssError').first().waitFor();
    await page.goto(`${s.url}/organizations/${s.project.orgSlug}/issues/${issue.id}/`);
    await page.getByText('XssError').first().waitFor();
    await page.getByText(PAYLOADS[1]!).first().waitFor(); // shown literally
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300))); // let any injected handler fire

    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.locator('img[src="x"], svg[onload]').count()).toBe(0);
  });
});
