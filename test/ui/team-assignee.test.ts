// Chromium against a real server (issue 15): the assignee picker of the issue page offers the
// organization's teams beside its members; picking `#backend` assigns the team, the header says
// so, and the issue list shows the team on the issue's row. Screenshots in both themes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { call } from '../helpers/api-client.js';
import { createIssueWithEvent } from '../helpers/alert-fixtures.js';
import { newContext, login, screenshotThemes, startUiTestbed, type UiTestbed } from '../helpers/browser.js';

describe('team assignee in the UI', { timeout: 240_000 }, () => {
  let bed: UiTestbed;
  let page: Page;
  let issueId: string;
  let teamId: string;
  const org = () => bed.server.project.orgSlug;
  const api = (p: string, opts: { method?: string; body?: unknown } = {}) =>
    call(bed.server.url, `/api/0${p}`, { ...opts, token: bed.owner.token });

  beforeAll(async () => {
    bed = await startUiTestbed({ ROLE: 'api' });
    const team = await api(`/organizations/${org()}/teams/`, {
      method: 'POST',
      body: { name: 'Backend', slug: 'backend' },
    });
    expect(team.status).toBe(201);
    teamId = team.body.id;
    ({ issueId } = await createIssueWithEvent(
      bed.server.pool,
      bed.server.project.projectId,
      'TypeError: Cannot read properties of undefined (reading "total")',
    ));
    const context = await newContext(bed.browser, { viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await login(page, bed.server.url, bed.owner.email, bed.owner.password);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('assigns the issue to a team from the picker and shows "#backend" on the issue page', async () => {
    await page.goto(`${bed.server.url}/organizations/${org()}/issues/${issueId}/`);
    const picker = page.getByLabel('Assignee');
    await picker.locator('option', { hasText: '#backend' }).waitFor({ state: 'attached' });
    await picker.selectOption({ label: '#backend' });
    const assignee = page.getByTestId('assignee');
    await assignee.waitFor();
    expect(await assignee.innerText()).toBe('assigned to #backend');
    expect(await picker.inputValue()).toBe(`team:${teamId}`);
    const issue = await api(`/issues/${issueId}/`);
    expect(issue.body.assignedTo).toEqual({ type: 'team', id: teamId, name: 'backend' });
    await screenshotThemes(page, 'issue-team-assignee', { fullPage: false });
  });

  it('shows the team on the issue row of the list', async () => {
    await page.goto(`${bed.server.url}/organizations/${org()}/issues/`);
    const row = page.locator(`[data-issue-id="${issueId}"]`);
    await row.waitFor();
    await row.getByTitle('Assignee').waitFor();
    expect(await row.getByTitle('Assignee').innerText()).toContain('#backend');
    await screenshotThemes(page, 'issues-team-assignee', { fullPage: false });
  });
});
