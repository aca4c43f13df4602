// Spike protection as the user sees it: an issue flooding past SPIKE_EVENTS_PER_MINUTE keeps its
// exact count, and its page (in Chromium) says that only a sample of its events is stored.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';
import { call } from '../helpers/api-client.js';
import type { Member } from '../helpers/api-factories.js';
import { login, newContext, screenshotThemes, startUiTestbed, type UiTestbed } from '../helpers/browser.js';

const THRESHOLD = 3;
const SENT = 10;

describe('spike protection in the UI (Chromium)', { timeout: 120_000 }, () => {
  let bed: UiTestbed;
  let server: TestServer;
  let browser: Browser;
  let owner: Member;

  beforeAll(async () => {
    bed = await startUiTestbed({ ROLE: 'all', SPIKE_EVENTS_PER_MINUTE: String(THRESHOLD), SPIKE_SAMPLE_RATE: '0' });
    ({ server, browser, owner } = bed);
  }, 180_000);
  afterAll(async () => {
    await bed?.close();
  });

  async function flood(): Promise<string> {
    for (let i = 0; i < SENT; i++) {
      const eventId = (0x5a000000 + i).toString(16).padStart(32, '0');
      const payload = {
        event_id: eventId,
        platform: 'node',
        level: 'error',
        exception: {
          values: [
            {
              type: 'FloodError',
              value: 'the same failure',
              stacktrace: {
                frames: [{ filename: 'app.js', abs_path: '/srv/app.js', function: 'handle', lineno: 7, in_app: true }],
              },
            },
          ],
        },
      };
      const r = await request(
        `${server.url}/api/${server.project.projectId}/envelope/?sentry_key=${server.project.publicKey}`,
        {
          headers: { 'content-type': 'application/x-sentry-envelope' },
          body: `${JSON.stringify({ event_id: eventId })}\n{"type":"event"}\n${JSON.stringify(payload)}`,
        },
      );
      expect(r.status).toBe(200);
    }
    return waitFor(
      async () => {
        const { rows } = await server.pool.query<{ id: string; event_count: string }>(
          'SELECT id, event_count FROM issues WHERE project_id = $1',
          [server.project.projectId],
        );
        return rows.length === 1 && Number(rows[0]!.event_count) === SENT ? rows[0]!.id : null;
      },
      { message: `one issue counting all ${SENT} events`, timeout: 30_000 },
    );
  }

  it('shows the exact count and says that only a sample is stored', async () => {
    const issueId = await flood();
    const { rows } = await server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM events WHERE project_id = $1',
      [server.project.projectId],
    );
    expect(rows[0]!.n).toBe(THRESHOLD);
    const sampling = await call(server.url, `/api/0/issues/${issueId}/sampling/`, { token: owner.token });
    expect(sampling.body).toMatchObject({
      active: true,
      sampledEvents: SENT - THRESHOLD,
      eventsPerMinuteThreshold: THRESHOLD,
      sampleRate: 0,
    });

    const context = await newContext(browser, { viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await login(page, server.url, owner.email, owner.password);
    await page.goto(`${server.url}/organizations/${server.project.orgSlug}/issues/${issueId}/`);
    const note = page.getByTestId('sampling');
    await note.waitFor();
    const text = (await note.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('Spike protection is sampling this issue.');
    expect(text).toContain(`${SENT - THRESHOLD} of its ${SENT} events were counted but not stored`);
    expect(text).toContain(`past ${THRESHOLD} a minute, none of the rest is kept`);
    expect(await page.locator('.facts').innerText()).toMatch(new RegExp(`Events\\s+${SENT}\\b`, 'i')); // the labels are upper-cased by CSS
    await screenshotThemes(page, 'issue-sampling', { fullPage: false });
    await context.close();
  });

  it('says nothing about sampling on an issue that never flooded', async () => {
    const { rows } = await server.pool.query<{ id: string }>('SELECT id FROM issues WHERE project_id = $1', [
      server.project.projectId,
    ]);
    await server.pool.query('DELETE FROM issue_sampling WHERE issue_id = $1', [rows[0]!.id]);
    const context = await newContext(browser);
    const page = await context.newPage();
    await login(page, server.url, owner.email, owner.password);
    const answered = page.waitForResponse((r) => r.url().endsWith(`/issues/${rows[0]!.id}/sampling/`));
    await page.goto(`${server.url}/organizations/${server.project.orgSlug}/issues/${rows[0]!.id}/`);
    expect((await answered).status()).toBe(200);
    await page.locator('.facts').waitFor();
    expect(await page.getByTestId('sampling').count()).toBe(0);
    await context.close();
  });
});
