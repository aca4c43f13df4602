// Live flow: unmodified official clients (@sentry/node, Debian's python3-sentry-sdk, sentry-cli)
// send to a running Faultline (ingest + worker); issues are read back from Postgres and the API.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PROGRAMS = path.join(import.meta.dirname, 'programs');
const SENTRY_CLI = path.join(ROOT, 'node_modules/.bin/sentry-cli');

interface IssueRow {
  id: string;
  title: string;
  culprit: string;
  event_count: string;
  type: string;
}

async function issues(server: TestServer): Promise<IssueRow[]> {
  const { rows } = await server.pool.query<IssueRow>(
    'SELECT id, title, culprit, event_count, type FROM issues WHERE project_id = $1 ORDER BY id',
    [server.project.projectId],
  );
  return rows;
}

async function eventCount(server: TestServer): Promise<number> {
  const { rows } = await server.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM events WHERE project_id = $1',
    [server.project.projectId],
  );
  return rows[0]!.n;
}

/** Writes the sample Node app as one "release": padding shifts every line number. */
async function writeNodeApp(dir: string, paddingLines: number): Promise<string> {
  const pad = '\n'.repeat(paddingLines);
  await mkdir(path.join(dir, 'lib'), { recursive: true });
  const app = (await readFile(path.join(PROGRAMS, 'node-app.template.mjs'), 'utf8')).replace('/*__PADDING__*/', pad);
  const lib = (await readFile(path.join(PROGRAMS, 'payments.template.mjs'), 'utf8')).replace('/*__PADDING__*/', pad);
  await writeFile(path.join(dir, 'app.mjs'), app);
  await writeFile(path.join(dir, 'lib', 'payments.mjs'), lib);
  return dir;
}

describe('official SDKs against a running Faultline', { timeout: 120_000 }, () => {
  let server: TestServer;
  let nodeV1: string;
  let nodeV2: string;

  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'all' });
    // Inside the repo so that @sentry/node resolves from node_modules; same relative layout for
    // both releases, as two deploys of one app would have.
    const base = path.join(ROOT, 'test-output', `live-sdks-${process.pid}-${Date.now()}`);
    nodeV1 = await writeNodeApp(path.join(base, 'v1', 'app'), 0);
    nodeV2 = await writeNodeApp(path.join(base, 'v2', 'app'), 7);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function runNode(dir: string, scenario: string, env: Record<string, string> = {}) {
    await run(process.execPath, ['app.mjs', scenario], {
      cwd: dir,
      env: { ...process.env, DSN: server.project.dsn, RELEASE: path.basename(path.dirname(dir)), ...env },
      timeout: 20_000,
    });
  }

  it('@sentry/node: the same error after a release that shifted line numbers joins the existing issue', async () => {
    await runNode(nodeV1, 'type-error');
    const first = await waitFor(async () => (await issues(server)).find((i) => i.title.startsWith('TypeError')), {
      message: 'TypeError issue',
    });
    expect(first.title).toBe('TypeError: card declined for order 1234');
    expect(first.culprit).toContain('authorize');

    await runNode(nodeV2, 'type-error');
    await waitFor(async () => (await eventCount(server)) >= 2, { message: 'second event' });
    const typeIssues = (await issues(server)).filter((i) => i.title.startsWith('TypeError'));
    expect(typeIssues).toHaveLength(1);
    expect(typeIssues[0]!.event_count).toBe('2');
  });

  it('@sentry/node: a different exception type at the same place opens a new issue', async () => {
    const before = await eventCount(server);
    await runNode(nodeV1, 'range-error');
    await waitFor(async () => (await eventCount(server)) > before, { message: 'RangeError event' });
    const all = await issues(server);
    expect(all.filter((i) => i.title.startsWith('RangeError'))).toHaveLength(1);
    expect(all.filter((i) => i.title.startsWith('TypeError'))).toHaveLength(1);
  });

  it('@sentry/node: messages that differ only in numbers join one issue', async () => {
    const before = await eventCount(server);
    await runNode(nodeV1, 'message', { ORDER_ID: '1001', RETRIES: '3' });
    await runNode(nodeV2, 'message', { ORDER_ID: '987654', RETRIES: '5' });
    await waitFor(async () => (await eventCount(server)) >= before + 2, { message: 'message events' });
    const msgs = (await issues(server)).filter((i) => i.title.startsWith('Payment'));
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.event_count).toBe('2');
  });

  it('python3-sentry-sdk 1.9 (store endpoint, gzip): exceptions and parameterized messages group', async () => {
    const before = await eventCount(server);
    const env = { ...process.env, DSN: server.project.dsn, RELEASE: 'billing@1.0.0' };
    const py = (args: string[], extra: Record<string, string> = {}) =>
      run('/usr/bin/python3', [path.join(PROGRAMS, 'python_app.py'), ...args], {
        env: { ...env, ...extra },
        timeout: 20_000,
      });
    await py(['zero-division']);
    await py(['zero-division']);
    await py(['message'], { ORDER_ID: '77', RETRIES: '2' });
    await py(['message'], { ORDER_ID: '31337', RETRIES: '9' });
    await waitFor(async () => (await eventCount(server)) >= before + 4, { message: 'python events', timeout: 20_000 });
    const all = await issues(server);
    const zero = all.filter((i) => i.title.startsWith('ZeroDivisionError'));
    expect(zero).toHaveLength(1);
    expect(zero[0]!.event_count).toBe('2');
    expect(zero[0]!.culprit).toContain('compute_ratio');
    const invoice = all.filter((i) => i.title.startsWith('Invoice'));
    expect(invoice).toHaveLength(1);
    expect(invoice[0]!.event_count).toBe('2');
  });

  it('sentry-cli send-event and send-envelope are accepted and grouped', async () => {
    const before = await eventCount(server);
    const env = {
      ...process.env,
      HOME: path.join(ROOT, 'test-output'),
      SENTRY_DSN: server.project.dsn,
      SENTRY_LOG_LEVEL: 'warn',
    };
    await run(
      SENTRY_CLI,
      [
        'send-event',
        '-m',
        'Deploy 42 failed on host 10.0.0.7',
        '-r',
        'web@3.1.0',
        '-E',
        'production',
        '-t',
        'host:web-3',
      ],
      { env, timeout: 20_000 },
    );
    await run(SENTRY_CLI, ['send-event', '-m', 'Deploy 43 failed on host 10.0.0.9', '-r', 'web@3.1.1'], {
      env,
      timeout: 20_000,
    });
    const envelopeFile = path.join(ROOT, 'test-output', `envelope-${process.pid}.json`);
    const event = { message: 'sent as envelope', level: 'warning', platform: 'other' };
    await writeFile(envelopeFile, `{}\n{"type":"event"}\n${JSON.stringify(event)}\n`);
    await run(SENTRY_CLI, ['send-envelope', envelopeFile], { env, timeout: 20_000 });
    await waitFor(async () => (await eventCount(server)) >= before + 3, { message: 'sentry-cli events' });
    const all = await issues(server);
    const deploys = all.filter((i) => i.title.startsWith('Deploy'));
    expect(deploys).toHaveLength(1);
    expect(deploys[0]!.event_count).toBe('2');
    expect(all.filter((i) => i.title === 'sent as envelope')).toHaveLength(1);
  });
});
