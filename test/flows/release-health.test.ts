// Release health end to end with real clients: @sentry/browser in Chromium (one session per page
// load, unhandled errors), @sentry/node request-mode aggregates from a real HTTP server, Debian's
// python3-sentry-sdk 1.9 sessions, read back through Sentry's sessions API and the releases
// API's healthData; and hostile session items refused with an outcome, never counted.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'vite';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { createApiToken } from '../helpers/sentry-cli.js';
import { launchBrowser, newContext } from '../helpers/browser.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PROGRAMS = path.join(import.meta.dirname, 'programs');

let server: TestServer;
let token: string;
let work: string;

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'all' });
  token = await createApiToken(server.pool, server.project.orgId);
  await mkdir(path.join(ROOT, 'test-output'), { recursive: true });
  work = await mkdtemp(path.join(ROOT, 'test-output/release-health-')); // under the repo: @sentry/* resolve
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function api(pathAndQuery: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${server.url}/api/0/${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: await r.json() };
}

/** Session counts per status of one release, straight from the table (what waits poll). */
async function countsOf(release: string): Promise<Record<string, number>> {
  const { rows } = await server.pool.query<{ status: string; n: number }>(
    'SELECT status, sum(count)::int AS n FROM session_counts WHERE project_id = $1 AND release = $2 GROUP BY status HAVING sum(count) <> 0 ORDER BY status',
    [server.project.projectId, release],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** The sessions API's totals per release × session.status for the last day. */
async function byStatus(release: string): Promise<Record<string, number>> {
  const r = await api(
    `organizations/${server.project.orgSlug}/sessions/?field=sum(session)&groupBy=release&groupBy=session.status&statsPeriod=1d&interval=1h&query=${encodeURIComponent(`release:"${release}"`)}`,
  );
  expect(r.status).toBe(200);
  return Object.fromEntries(r.body.groups.map((g: any) => [g.by['session.status'], g.totals['sum(session)']]));
}

async function rates(
  release: string,
): Promise<{ sessions: number; users: number; crashFreeSessions: number | null; crashFreeUsers: number | null }> {
  const fields = ['sum(session)', 'count_unique(user)', 'crash_free_rate(session)', 'crash_free_rate(user)']
    .map((f) => `field=${encodeURIComponent(f)}`)
    .join('&');
  const r = await api(
    `organizations/${server.project.orgSlug}/sessions/?${fields}&groupBy=release&statsPeriod=24h&query=release:${encodeURIComponent(release)}`,
  );
  expect(r.status).toBe(200);
  expect(r.body.groups).toHaveLength(1);
  const t = r.body.groups[0].totals;
  return {
    sessions: t['sum(session)'],
    users: t['count_unique(user)'],
    crashFreeSessions: t['crash_free_rate(session)'],
    crashFreeUsers: t['crash_free_rate(user)'],
  };
}

describe('@sentry/browser in Chromium: one session per page load', { timeout: 240_000 }, () => {
  let site: Server;
  let browser: Browser;
  let siteUrl: string;

  beforeAll(async () => {
    const app = path.join(work, 'browser');
    await mkdir(app, { recursive: true });
    await writeFile(
      path.join(app, 'main.js'),
      [
        "import * as Sentry from '@sentry/browser';",
        'const q = new URLSearchParams(location.search);',
        "Sentry.init({ dsn: __SENTRY_DSN__, release: q.get('release'), environment: 'production', initialScope: { user: { id: q.get('user') } } });",
        "if (q.get('mode') === 'handled') Sentry.captureException(new Error('coupon rejected'));",
        "if (q.get('mode') === 'unhandled') setTimeout(() => { throw new Error('cart total is NaN'); }, 10);",
        "document.body.insertAdjacentHTML('beforeend', '<p id=\"ok\">ok</p>');",
      ].join('\n'),
    );
    await writeFile(
      path.join(app, 'index.html'),
      '<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>\n',
    );
    const dist = path.join(app, 'dist');
    await build({
      root: app,
      logLevel: 'silent',
      configFile: false,
      define: { __SENTRY_DSN__: JSON.stringify(server.project.dsn) },
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
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    site?.closeAllConnections();
    await new Promise((r) => (site ? site.close(r) : r(undefined)));
  });

  /** Loads the page once and waits until its session reached Faultline with the expected counts. */
  async function pageLoad(
    release: string,
    user: string,
    mode: string,
    expected: Record<string, number>,
  ): Promise<void> {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await page.goto(`${siteUrl}?release=${encodeURIComponent(release)}&user=${user}&mode=${mode}`);
      await page.waitForSelector('#ok');
      await waitFor(async () => JSON.stringify(await countsOf(release)) === JSON.stringify(expected), {
        timeout: 30_000,
        interval: 100,
        message: `${release} sessions ${JSON.stringify(expected)}`,
      });
    } finally {
      await context.close();
    }
  }

  it('gives per release exactly the sessions by status and the rates Sentry computes', async () => {
    // shop@1.0: four loads by three users, one unhandled error. shop@2.0: four loads, two unhandled, one handled.
    await pageLoad('shop@1.0', 'ann', 'none', { ok: 1 });
    await pageLoad('shop@1.0', 'bob', 'none', { ok: 2 });
    await pageLoad('shop@1.0', 'bob', 'unhandled', { ok: 2, unhandled: 1 });
    await pageLoad('shop@1.0', 'cid', 'none', { ok: 3, unhandled: 1 });
    await pageLoad('shop@2.0', 'ann', 'unhandled', { unhandled: 1 });
    await pageLoad('shop@2.0', 'dan', 'unhandled', { unhandled: 2 });
    await pageLoad('shop@2.0', 'eve', 'handled', { errored: 1, unhandled: 2 });
    await pageLoad('shop@2.0', 'eve', 'none', { errored: 1, ok: 1, unhandled: 2 });

    expect(await byStatus('shop@1.0')).toEqual({ healthy: 3, errored: 0, unhandled: 1, abnormal: 0, crashed: 0 });
    expect(await byStatus('shop@2.0')).toEqual({ healthy: 1, errored: 1, unhandled: 2, abnormal: 0, crashed: 0 });
    // Unhandled is not a crash (Sentry's rule for browser SDKs 10+): crash-free stays 100 %.
    expect(await rates('shop@1.0')).toEqual({ sessions: 4, users: 3, crashFreeSessions: 1, crashFreeUsers: 1 });
    expect(await rates('shop@2.0')).toEqual({ sessions: 4, users: 3, crashFreeSessions: 1, crashFreeUsers: 1 });

    const releases = await api(`organizations/${server.project.orgSlug}/releases/?health=1`);
    const health = (v: string) => releases.body.find((r: any) => r.version === v).projects[0].healthData;
    expect(health('shop@2.0')).toMatchObject({
      hasHealthData: true,
      totalSessions: 4,
      sessionsUnhandled: 2,
      sessionsErrored: 1,
      crashFreeSessions: 100,
      totalUsers: 3,
      sessionsAdoption: 50,
    });
    expect(health('shop@1.0').stats['24h']).toHaveLength(24);
  });
});

describe('server SDKs', { timeout: 120_000 }, () => {
  it('@sentry/node: request-mode aggregates from a real HTTP server are counted per status', async () => {
    await run(process.execPath, [path.join(PROGRAMS, 'node-request-sessions.mjs')], {
      cwd: ROOT,
      env: { ...process.env, DSN: server.project.dsn, RELEASE: 'api@7.0', OK: '6', ERRORED: '3', CRASHED: '1' },
      timeout: 60_000,
    });
    await waitFor(async () => Object.keys(await countsOf('api@7.0')).length === 3, {
      timeout: 30_000,
      message: 'node aggregates',
    });
    expect(await countsOf('api@7.0')).toEqual({ exited: 6, errored: 3, crashed: 1 });
    expect(await byStatus('api@7.0')).toEqual({ healthy: 6, errored: 3, unhandled: 0, abnormal: 0, crashed: 1 });
    expect((await rates('api@7.0')).crashFreeSessions).toBeCloseTo(0.9, 10);
  });

  it('python3-sentry-sdk 1.9: application sessions are counted with their users', async () => {
    await run('/usr/bin/python3', [path.join(PROGRAMS, 'python_sessions.py')], {
      env: { ...process.env, DSN: server.project.dsn, RELEASE: 'worker@1.9' },
      timeout: 60_000,
    });
    await waitFor(async () => Object.values(await countsOf('worker@1.9')).reduce((a, b) => a + b, 0) === 3, {
      timeout: 30_000,
      message: 'python sessions',
    });
    expect(await countsOf('worker@1.9')).toEqual({ exited: 1, errored: 1, crashed: 1 });
    const r = await rates('worker@1.9');
    expect(r.sessions).toBe(3);
    expect(r.users).toBe(3);
    expect(r.crashFreeSessions).toBeCloseTo(2 / 3, 10);
    expect(r.crashFreeUsers).toBeCloseTo(2 / 3, 10);
  });
});

describe.each(['http', 'udp'] as const)('our client SDK over %s', (transport) => {
  it(
    'sends one session per process: errored for a handled error, crashed for an uncaught one',
    { timeout: 120_000 },
    async () => {
      const dsn =
        transport === 'http'
          ? server.project.dsn
          : `udp://${server.project.publicKey}@127.0.0.1:${server.running.udpPort}/${server.project.projectId}`;
      const release = `sdk-${transport}@1.0`;
      const env: NodeJS.ProcessEnv = { ...process.env, DSN: dsn, RELEASE: release };
      delete env.NODE_OPTIONS;
      for (const mode of ['handled', 'uncaught']) {
        await new Promise<void>((resolve) => {
          execFile(
            process.execPath,
            ['--import', 'tsx', 'test/client-sdk/e2e/programs/shop.ts'],
            { cwd: ROOT, env: { ...env, MODE: mode }, timeout: 30_000 },
            () => resolve(),
          );
        });
      }
      await waitFor(
        async () => JSON.stringify(await countsOf(release)) === JSON.stringify({ crashed: 1, errored: 1 }),
        { timeout: 30_000, message: `${release} sessions` },
      );
      expect((await rates(release)).crashFreeSessions).toBe(0.5);
    },
  );
});

describe('hostile session items', () => {
  const envelope = (items: string[]) =>
    fetch(
      `${server.url}/api/${server.project.projectId}/envelope/?sentry_key=${server.project.publicKey}&sentry_version=7`,
      { method: 'POST', body: ['{}', ...items].join('\n') },
    );
  const started = new Date().toISOString();

  it.each([
    [
      'a negative duration',
      'session',
      { sid: 'bad-1', status: 'exited', duration: -5, started, attrs: { release: 'hostile@1' } },
    ],
    ['an unknown status', 'session', { sid: 'bad-2', status: 'exploded', started, attrs: { release: 'hostile@1' } }],
    [
      'a release over 200 characters',
      'session',
      { sid: 'bad-3', status: 'ok', started, attrs: { release: `hostile@${'9'.repeat(200)}` } },
    ],
    [
      'aggregates with a negative count',
      'sessions',
      { aggregates: [{ started, exited: 5, crashed: -2 }], attrs: { release: 'hostile@1' } },
    ],
  ])('drops a session with %s with an invalid outcome, never counted, never a 5xx', async (_name, type, payload) => {
    const before = await invalidSessionOutcomes();
    const r = await envelope([JSON.stringify({ type }), JSON.stringify(payload)]);
    expect(r.status).toBe(200);
    await waitFor(async () => (await invalidSessionOutcomes()) === before + 1, { message: 'the invalid outcome' });
  });

  it('counted none of them, while a good session next to them counts', async () => {
    const r = await envelope([
      JSON.stringify({ type: 'session' }),
      JSON.stringify({ sid: 'good-1', status: 'exited', duration: 3.5, started, attrs: { release: 'hostile@1' } }),
    ]);
    expect(r.status).toBe(200);
    await waitFor(async () => (await countsOf('hostile@1')).exited === 1, { message: 'the good session' });
    expect(await countsOf('hostile@1')).toEqual({ exited: 1 });
    const { rows } = await server.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM session_counts WHERE release LIKE 'hostile@9%'",
    );
    expect(rows[0]!.n).toBe(0);
  });

  async function invalidSessionOutcomes(): Promise<number> {
    const r = await api(`projects/${server.project.orgSlug}/${server.project.slug}/stats/`);
    expect(r.status).toBe(200);
    return r.body.groups
      .filter(
        (g: any) => g.by.outcome === 'invalid' && g.by.category === 'session' && g.by.reason === 'invalid-session',
      )
      .reduce((n: number, g: any) => n + g.totals['sum(quantity)'], 0);
  }
});

describe('sessions API input', () => {
  it.each([
    ['no field', 'statsPeriod=1d', 'invalid-field'],
    ['an unknown field', 'field=sum(cats)', 'invalid-field'],
    ['an unknown groupBy', 'field=sum(session)&groupBy=browser', 'invalid-groupby'],
    ['a bad statsPeriod', 'field=sum(session)&statsPeriod=forever', 'invalid-statsperiod'],
    ['too many intervals', 'field=sum(session)&statsPeriod=90d&interval=1m', 'invalid-interval'],
    ['an unsupported query', 'field=sum(session)&query=os:linux', 'invalid-query'],
    ['a query over 1,000 characters', `field=sum(session)&query=release:${'x'.repeat(1001)}`, 'invalid-query'],
  ])('answers 400 naming the parameter for %s', async (_name, query, code) => {
    const r = await api(`organizations/${server.project.orgSlug}/sessions/?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(code);
  });
});
