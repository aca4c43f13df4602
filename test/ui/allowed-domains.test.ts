// The allowed-domains setting in the project settings page: edited in the browser, stored
// through the project API, shown again after a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/api-client.js';
import { login, newContext, screenshotThemes, startUiTestbed, type UiTestbed } from '../helpers/browser.js';

describe('allowed domains in project settings (Chromium)', { timeout: 120_000 }, () => {
  let bed: UiTestbed;
  beforeAll(async () => {
    bed = await startUiTestbed({ ROLE: 'api' });
  }, 180_000);
  afterAll(async () => {
    await bed?.close();
  });

  it('saves one pattern per line and shows them after a reload', async () => {
    const { server, browser, owner } = bed;
    const { orgSlug: org, slug: project } = server.project;
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await login(page, server.url, owner.email, owner.password);
    await page.goto(`${server.url}/settings/${org}/projects/${project}/`);
    const box = page.getByLabel('Origins browser events may come from');
    await expect.poll(() => box.inputValue()).toBe('*');
    await box.fill('*.shop.example\n  \nhttps://checkout.example:8443');
    await box.locator('xpath=ancestor::form[1]').getByRole('button', { name: 'Save' }).click();
    await page.getByText('Allowed domains saved').waitFor();
    const stored = await call(server.url, `/api/0/projects/${org}/${project}/`, { token: owner.token });
    expect(stored.body.allowedDomains).toEqual(['*.shop.example', 'https://checkout.example:8443']);
    await page.reload();
    await expect
      .poll(() => page.getByLabel('Origins browser events may come from').inputValue())
      .toBe('*.shop.example\nhttps://checkout.example:8443');
    await screenshotThemes(page, 'project-settings-allowed-domains', { fullPage: false });
    await context.close();
  });
});
