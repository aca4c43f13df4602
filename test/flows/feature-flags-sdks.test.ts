// Feature flags end to end with the official SDKs: @sentry/node (a child process) and
// @sentry/browser (a Vite build run in Chromium), both with featureFlagsIntegration. Every
// "request" evaluates new-checkout (half the traffic) and dark-mode (independent); a warning
// happens on every request, a crash only with new-checkout=true. The stored events carry their
// flags, the crash's top suspect is new-checkout, and dark-mode is not suspected.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { PAYLOAD_COLUMNS, withPayloads } from '../helpers/events.js';
import { createMember, type Member } from '../helpers/api-factories.js';
import { launchBrowser, newContext } from '../helpers/browser.js';

const run = promisify(execFile);
const PROGRAMS = path.join(import.meta.dirname, 'programs');
const BROWSER_APP = path.join(import.meta.dirname, '../fixtures/flags-browser/main.js');
const REQUESTS = 40;

let server: TestServer;
let owner: Member;

interface SuspectItem {
  flag: string;
  score: number;
  isSuspect: boolean;
  is_filtered: boolean;
  baseline_percent: number;
  distribution: { baseline: Record<string, number>; outliers: Record<string, number> };
}

async function api<T>(p: string): Promise<T> {
  const res = await fetch(`${server.url}/api/0${p}`, { headers: { authorization: `Bearer ${owner.token}` } });
  expect(res.status, `${p}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
}

async function issueByTitle(prefix: string, minEvents = REQUESTS / 2): Promise<{ id: string; event_count: string }> {
  return waitFor(
    async () => {
      const { rows } = await server.pool.query<{ id: string; event_count: string }>(
        `SELECT id::text, event_count::text FROM issues WHERE project_id = $1 AND title LIKE $2`,
        [server.project.projectId, `${prefix}%`],
      );
      return rows[0] && Number(rows[0].event_count) >= minEvents ? rows[0] : null;
    },
    { message: `issue ${prefix}`, timeout: 60_000, interval: 100 },
  );
}

async function storedFlags(release: string): Promise<Array<Array<{ flag: string; result: unknown }>>> {
  const rows = withPayloads<{ contexts?: { flags?: { values: Array<{ flag: string; result: unknown }> } } }>(
    (
      await server.pool.query(`SELECT ${PAYLOAD_COLUMNS} FROM events WHERE project_id = $1 AND release = $2`, [
        server.project.projectId,
        release,
      ])
    ).rows,
  );
  return rows.map((r) => r.payload.contexts?.flags?.values ?? []);
}

async function expectNewCheckoutSuspected(issueId: string): Promise<void> {
  const { data } = await api<{ data: SuspectItem[] }>(
    `/organizations/${server.project.orgSlug}/issues/${issueId}/suspect/flags/`,
  );
  expect(data[0]).toMatchObject({ flag: 'new-checkout', isSuspect: true, is_filtered: false });
  expect(data[0]!.distribution.outliers).toEqual({ true: 1 });
  expect(data[0]!.score).toBeGreaterThanOrEqual(0.2);
  const dark = data.find((d) => d.flag === 'dark-mode');
  expect(dark).toMatchObject({ isSuspect: false, is_filtered: true });
  expect(dark!.score).toBeLessThan(0.1);

  const table = await api<{
    data: Array<{ flag: string; issueTrueShare: number; projectTrueShare: number; issueEvents: number }>;
  }>(`/organizations/${server.project.orgSlug}/issues/${issueId}/flags/`);
  const nc = table.data.find((r) => r.flag === 'new-checkout')!;
  expect(nc.issueTrueShare).toBe(1);
  expect(nc.projectTrueShare).toBeGreaterThan(0.5);
  expect(nc.projectTrueShare).toBeLessThan(0.8);
}

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'all' });
  owner = await createMember(server.pool, { orgId: server.project.orgId, role: 'owner' });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe('official SDKs with featureFlagsIntegration', { timeout: 180_000 }, () => {
  it('@sentry/node: events carry their flags; the crash that needs new-checkout=true suspects it, not dark-mode', async () => {
    await run(process.execPath, [path.join(PROGRAMS, 'flags-app.mjs'), String(REQUESTS)], {
      env: { ...process.env, DSN: server.project.dsn, RELEASE: 'api@1.0.0' },
      timeout: 60_000,
    });
    const crash = await issueByTitle('TypeError');
    await issueByTitle('RangeError: stock');
    const flags = await storedFlags('api@1.0.0');
    expect(flags).toHaveLength(REQUESTS * 1.5);
    for (const values of flags) expect(values.map((v) => v.flag).sort()).toEqual(['dark-mode', 'new-checkout']);
    await expectNewCheckoutSuspected(crash.id);
  });

  describe('@sentry/browser in Chromium', () => {
    let work: string;
    let site: Server;
    let browser: Browser;

    beforeAll(async () => {
      await mkdir(path.resolve('test-output'), { recursive: true });
      work = await mkdtemp(path.resolve('test-output/flags-browser-'));
      await writeFile(path.join(work, 'main.js'), await readFile(BROWSER_APP, 'utf8'));
      await writeFile(
        path.join(work, 'index.html'),
        '<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>\n',
      );
      const dist = path.join(work, 'dist');
      await build({
        root: work,
        logLevel: 'silent',
        configFile: false,
        define: { __SENTRY_DSN__: JSON.stringify(server.project.dsn), __SENTRY_RELEASE__: JSON.stringify('web@1.0.0') },
        build: { outDir: dist, emptyOutDir: true, modulePreload: { polyfill: false } },
      });
      site = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x').pathname;
        const file = path.join(dist, url === '/' ? 'index.html' : url);
        if (!file.startsWith(dist + path.sep)) return void res.writeHead(404).end();
        readFile(file).then(
          (body) =>
            res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body),
          () => res.writeHead(404).end(),
        );
      });
      await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
      browser = await launchBrowser();
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      site?.closeAllConnections();
      await new Promise((r) => (site ? site.close(r) : r(undefined)));
      if (work) await rm(work, { recursive: true, force: true });
    });

    it("events carry their flags; new-checkout is the crash's top suspect, dark-mode is not suspected", async () => {
      // The page stays open until the events are stored: closing it aborts requests still in flight.
      const context = await newContext(browser);
      let crash: { id: string };
      try {
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
        await page.waitForSelector('#done', { timeout: 120_000 });
        // The browser SDK may discard an event on its side when Chromium's in-flight keepalive
        // quota is full (it then sends a client report, counted under 'internal'): allow two such losses.
        crash = await issueByTitle('TypeError: cart.summary', REQUESTS / 2 - 2);
        await waitFor(async () => (await storedFlags('web@1.0.0')).length >= REQUESTS * 1.5 - 2, {
          message: 'all browser events',
          timeout: 60_000,
          interval: 200,
        });
      } finally {
        await context.close();
      }
      const flags = await storedFlags('web@1.0.0');
      for (const values of flags) expect(values.map((v) => v.flag).sort()).toEqual(['dark-mode', 'new-checkout']);
      expect(flags.flat().every((v) => typeof v.result === 'boolean')).toBe(true);
      await expectNewCheckoutSuspected(crash.id);
    });
  });
});
