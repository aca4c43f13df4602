// Chromium against a real server (issue 15): the issue page shows the suspect commit of the
// event and links in-app frames to the file at the line in the repository; the deploy page
// lists the deploy's commits with authors and marks the suspect one; a team is created and given
// a member in organization settings, and ownership rules are refused (naming the line) then saved
// in project settings. Screenshots in both themes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { call } from '../helpers/api-client.js';
import { createIssueWithEvent } from '../helpers/alert-fixtures.js';
import { newContext, login, screenshotThemes, startUiTestbed, type UiTestbed } from '../helpers/browser.js';

const SUSPECT = '9f1c2e3d4b5a69788796a5b4c3d2e1f009182736';
const OTHER = '1111111111111111111111111111111111111111';

describe('suspect commits, source links and deploy commits in the UI', { timeout: 240_000 }, () => {
  let bed: UiTestbed;
  let page: Page;
  let issueId: string;
  let deployId: string;
  const org = () => bed.server.project.orgSlug;
  const api = (p: string, opts: { method?: string; body?: unknown } = {}) =>
    call(bed.server.url, `/api/0${p}`, { ...opts, token: bed.owner.token });

  beforeAll(async () => {
    bed = await startUiTestbed({ ROLE: 'api' });
    const { server } = bed;
    await server.pool.query(`UPDATE users SET name = 'Dana Developer' WHERE id = $1`, [bed.owner.userId]);
    expect(
      (
        await api(`/organizations/${org()}/repos/`, {
          method: 'POST',
          body: { name: 'acme/shop', url: 'https://github.com/acme/shop' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api(`/projects/${org()}/${server.project.slug}/code-mappings/`, {
          method: 'POST',
          body: { repository: 'acme/shop', stackRoot: '', sourceRoot: 'web', defaultBranch: 'main' },
        })
      ).status,
    ).toBe(201);
    await api(`/organizations/${org()}/releases/`, {
      method: 'POST',
      body: { version: 'web@1.0.0', projects: [server.project.slug] },
    });
    const put = await api(`/organizations/${org()}/releases/web@1.0.0/`, {
      method: 'PUT',
      body: {
        commits: [
          {
            id: OTHER,
            repository: 'acme/shop',
            message: 'Update the README',
            author_name: 'Eve',
            author_email: 'eve@example.com',
            timestamp: '2026-12-01T09:00:00Z',
            patch_set: [{ path: 'README.md', type: 'M' }],
          },
          {
            id: SUSPECT,
            repository: 'acme/shop',
            message: 'Charge cards through the new gateway\n\nDetails.',
            author_name: 'Dana',
            author_email: bed.owner.email,
            timestamp: '2026-12-01T08:00:00Z',
            patch_set: [{ path: 'web/lib/pay.js', type: 'M' }],
          },
        ],
      },
    });
    expect(put.status).toBe(200);
    const deploy = await api(`/organizations/${org()}/releases/web@1.0.0/deploys/`, {
      method: 'POST',
      body: { environment: 'production', dateFinished: new Date(Date.now() - 5 * 60_000).toISOString() },
    });
    deployId = deploy.body.id;
    ({ issueId } = await createIssueWithEvent(
      server.pool,
      server.project.projectId,
      "TypeError: Cannot read properties of undefined (reading 'number')",
    ));
    await server.pool.query(`UPDATE issues SET first_release = 'web@1.0.0', last_release = 'web@1.0.0' WHERE id = $1`, [
      issueId,
    ]);
    const context = await newContext(bed.browser, { viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await login(page, server.url, bed.owner.email, bed.owner.password);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('shows the suspect commit and links the in-app frame to the file at the line, at the release commit', async () => {
    await page.goto(`${bed.server.url}/organizations/${org()}/issues/${issueId}/`);
    const suspect = page.getByTestId('suspect-commit');
    await suspect.first().waitFor();
    expect(await suspect.count()).toBe(1);
    expect(await suspect.first().innerText()).toContain(`${SUSPECT.slice(0, 12)}`);
    expect(await suspect.first().innerText()).toContain('Charge cards through the new gateway');
    expect(await suspect.first().innerText()).toContain('Dana Developer');
    const link = page.getByTestId('source-link').first();
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`https://github.com/acme/shop/blob/${OTHER}/web/lib/pay.js#L12`);
    await screenshotThemes(page, 'issue-suspect-commits');
  });

  it('lists the deploy commits with authors and marks the suspect', async () => {
    await page.goto(`${bed.server.url}/organizations/${org()}/releases/web@1.0.0/deploys/${deployId}/`);
    const rows = page.getByTestId('deploy-commit');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).innerText()).toContain('Update the README');
    expect(await rows.nth(0).innerText()).toContain('Eve');
    expect(await rows.nth(1).innerText()).toMatch(/Charge cards through the new gateway[\s\S]*suspect/i);
    await page.getByTestId('issue-suspect').first().waitFor();
    expect(await page.getByTestId('issue-suspect').first().innerText()).toContain(SUSPECT.slice(0, 12));
    await screenshotThemes(page, 'deploy-commits');
  });

  it('creates a team in organization settings and saves ownership rules in project settings, naming a bad line', async () => {
    await page.goto(`${bed.server.url}/settings/${org()}/`);
    const teams = page.getByRole('region', { name: 'Teams' });
    await teams.getByLabel('Team name').fill('Payments');
    await teams.getByRole('button', { name: 'Create team' }).click();
    await teams.getByText('#payments').waitFor();
    await teams.getByLabel('Add a member to #payments').fill(bed.owner.email);
    await teams.getByRole('button', { name: 'Add' }).click();
    await teams.getByText('1 member', { exact: true }).waitFor();
    expect(await teams.innerText()).toContain(bed.owner.email);
    await screenshotThemes(page, 'org-settings-teams');

    await page.goto(`${bed.server.url}/settings/${org()}/projects/${bed.server.project.slug}/`);
    const ownership = page.getByRole('region', { name: 'Ownership rules' });
    const rules = ownership.getByLabel('Ownership rules');
    await rules.waitFor();
    await rules.fill(`path:web/lib/* #payments\nmodule:shop.billing.*`);
    await ownership.getByRole('button', { name: 'Save' }).click();
    await ownership.getByRole('alert').waitFor();
    expect(await ownership.getByRole('alert').innerText()).toContain('line 2');
    await ownership.scrollIntoViewIfNeeded();
    // The viewport, not the full page: a full-page capture paints the sticky header mid-page.
    await screenshotThemes(page, 'project-settings-ownership-error', { fullPage: false });
    await rules.fill(`path:web/lib/* #payments\npath:web/lib/pay.js ${bed.owner.email}`);
    await ownership.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Ownership rules saved').waitFor();
    expect(await ownership.getByRole('alert').count()).toBe(0);
    const saved = await api(`/projects/${org()}/${bed.server.project.slug}/ownership/`);
    expect(saved.body.raw).toBe(`path:web/lib/* #payments\npath:web/lib/pay.js ${bed.owner.email}`);
  });
});
