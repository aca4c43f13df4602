// End to end: the Faultline SDK in real Node processes reports to a real Faultline (ingest +
// worker, ROLE=all) over HTTP and over UDP, one project per transport. What the worker stored
// (issues, events.payload, issue_tag_values, request_counts) is read back from Postgres.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestCounts } from '../../../server/src/counters/queries.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { PAYLOAD_COLUMNS, withPayloads } from '../../helpers/events.js';
import type { StoredPayload } from '../../../server/src/events/payload-codec.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(mode: string, dsn: string, release: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DSN: dsn, RELEASE: release, MODE: mode };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'test/client-sdk/e2e/programs/shop.ts'],
      { cwd: ROOT, env, timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      },
    );
  });
}

interface Frame {
  function?: string;
  filename?: string;
  module?: string;
  in_app?: boolean;
  context_line?: string;
  pre_context?: string[];
  post_context?: string[];
}
interface ExceptionValue {
  type: string;
  value: string;
  mechanism?: Record<string, unknown>;
  stacktrace?: { frames: Frame[] };
}
interface StoredEvent {
  issue_id: string;
  level: string;
  release: string | null;
  environment: string | null;
  server_name: string | null;
  user_key: string | null;
  title: string;
  payload: {
    platform: string;
    sdk?: { name: string };
    exception?: { values: ExceptionValue[] };
    user?: Record<string, unknown>;
    breadcrumbs?: { values: Array<Record<string, unknown>> };
    tags: Array<[string, string]>;
    logentry?: { formatted?: string; message?: string };
  };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ROLE: 'all', UDP_PORT: '0' });
});
afterAll(async () => {
  await server?.stop();
});

async function storedEvents(projectId: string): Promise<StoredEvent[]> {
  const { rows } = await server.pool.query<StoredPayload & Omit<StoredEvent, 'payload'>>(
    `SELECT issue_id, level, release, environment, server_name, user_key, title, ${PAYLOAD_COLUMNS} FROM events WHERE project_id = $1 ORDER BY received_at`,
    [projectId],
  );
  return withPayloads<StoredEvent['payload'], StoredPayload & Omit<StoredEvent, 'payload'>>(rows);
}

async function issueTags(issueId: string): Promise<Record<string, string>> {
  const { rows } = await server.pool.query<{ key: string; value: string }>(
    'SELECT key, value FROM issue_tag_values WHERE issue_id = $1',
    [issueId],
  );
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

describe.each(['http', 'udp'] as const)('the SDK over %s against a running Faultline', (transport) => {
  let project: CreatedProject;
  let dsn: string;
  const release = `shop@1.0.0-${transport}`;
  let runs: Record<'handled' | 'uncaught' | 'rejection', Run>;
  let events: StoredEvent[];

  beforeAll(async () => {
    project = await createProject(server.pool, { baseUrl: server.url });
    dsn =
      transport === 'http'
        ? project.dsn
        : `udp://${project.publicKey}@127.0.0.1:${server.running.udpPort}/${project.projectId}`;
    const [handled, uncaught, rejection] = await Promise.all(
      ['handled', 'uncaught', 'rejection'].map((mode) => run(mode, dsn, release)),
    );
    runs = { handled: handled!, uncaught: uncaught!, rejection: rejection! };
    events = await waitFor(
      async () => {
        const e = await storedEvents(project.projectId);
        return e.length >= 5 ? e : null;
      },
      { timeout: 30_000, message: `5 events over ${transport}` },
    );
  }, 90_000);

  const byTitle = (prefix: string) => events.find((e) => e.title.startsWith(prefix));

  it('the processes behave as without the SDK: handled exits 0, uncaught and rejected exit 1', () => {
    expect(runs.handled).toMatchObject({ code: 0, stdout: '{"delivered":true}' });
    expect(runs.uncaught.code).toBe(1);
    expect(runs.uncaught.stderr).toContain('TypeError: boom in timer');
    expect(runs.rejection.code).toBe(1);
    expect(runs.rejection.stderr).toContain('stock sync rejected');
  });

  it('stores one issue per error and the message, with release, environment, host and user', async () => {
    expect(events.map((e) => e.title).sort()).toEqual([
      'DbError: could not load order 981',
      'Error: stock sync rejected',
      'Payment 1999 declined for order 981',
      'RangeError: stock sync failed',
      'TypeError: boom in timer',
    ]);
    const { rows } = await server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM issues WHERE project_id = $1',
      [project.projectId],
    );
    expect(rows[0]!.n).toBe(5);
    for (const e of events) {
      expect({
        title: e.title,
        release: e.release,
        environment: e.environment,
        server_name: e.server_name,
        user_key: e.user_key,
        sdk: e.payload.sdk?.name,
        platform: e.payload.platform,
      }).toEqual({
        title: e.title,
        release,
        environment: 'e2e',
        server_name: 'shop-host-1',
        user_key: 'id:42',
        sdk: 'faultline.javascript',
        platform: 'node',
      });
      expect(e.payload.user).toMatchObject({ id: '42', email: 'buyer@example.com' });
      expect(e.payload.breadcrumbs?.values).toMatchObject([
        { category: 'http', message: 'GET /cart', level: 'info' },
        { category: 'db', message: 'SELECT orders', data: { rows: 0 } },
      ]);
    }
    expect(byTitle('Payment')).toMatchObject({
      level: 'warning',
      payload: { logentry: { formatted: 'Payment 1999 declined for order 981' } },
    });
  });

  it('keeps the cause chain, in_app decisions and context lines of a handled error', () => {
    const values = byTitle('DbError')?.payload.exception?.values ?? [];
    expect(values.map((v) => [v.type, v.value, v.mechanism])).toEqual([
      [
        'TypeError',
        expect.stringContaining("reading 'id'"),
        { type: 'chained', handled: true, source: 'cause', exception_id: 1, parent_id: 0 },
      ],
      ['DbError', 'could not load order 981', { type: 'generic', handled: true, exception_id: 0 }],
    ]);
    const causeTop = values[0]?.stacktrace?.frames.at(-1);
    expect(causeTop).toMatchObject({
      function: 'readRow',
      module: 'test.client-sdk.e2e.programs:shop',
      in_app: true,
      context_line: '  return row.id;',
    });
    expect(causeTop?.pre_context).toHaveLength(5);
    expect(causeTop?.post_context).toHaveLength(5);
    const frames = values[1]?.stacktrace?.frames ?? [];
    expect(frames.at(-1)).toMatchObject({
      function: 'loadOrder',
      in_app: true,
      context_line: expect.stringContaining('throw new DbError'),
    });
    const zod = frames.filter((f) => f.filename?.includes('node_modules/zod/'));
    expect(zod.length).toBeGreaterThan(0);
    expect(zod.every((f) => f.in_app === false)).toBe(true);
    const internals = frames.filter((f) => f.filename?.startsWith('node:'));
    expect(internals.length).toBeGreaterThan(0);
    expect(internals.every((f) => f.in_app === false)).toBe(true);
  });

  it('counts the tags of each issue, scoped tags only where they were set', async () => {
    const dbError = byTitle('DbError')!;
    expect(await issueTags(dbError.issue_id)).toMatchObject({
      region: 'eu-west',
      release,
      environment: 'e2e',
      server_name: 'shop-host-1',
      user: 'id:42',
      level: 'error',
      handled: 'yes',
      mechanism: 'generic',
    });
    expect((await issueTags(dbError.issue_id)).job).toBeUndefined();
    expect(await issueTags(byTitle('RangeError')!.issue_id)).toMatchObject({ job: 'stock-sync', region: 'eu-west' });
  });

  it('marks uncaught errors and unhandled rejections as unhandled and fatal', async () => {
    const uncaught = byTitle('TypeError: boom')!;
    const rejected = byTitle('Error: stock sync rejected')!;
    expect(uncaught.level).toBe('fatal');
    expect(uncaught.payload.exception?.values.at(-1)?.mechanism).toEqual({
      type: 'onuncaughtexception',
      handled: false,
    });
    expect(rejected.payload.exception?.values.at(-1)?.mechanism).toEqual({
      type: 'onunhandledrejection',
      handled: false,
    });
    expect(await issueTags(uncaught.issue_id)).toMatchObject({ handled: 'no', mechanism: 'onuncaughtexception' });
  });

  it('stores the request counter in request_counts, where deploy health reads it', async () => {
    const rows = await waitFor(
      async () => {
        const r = await listRequestCounts(server.pool, {
          projectIds: [project.projectId],
          environment: 'e2e',
          from: new Date(Date.now() - 3_600_000),
          to: new Date(Date.now() + 60_000),
        });
        return r.length > 0 ? r : null;
      },
      { message: 'request counts' },
    );
    expect(rows).toEqual([{ serverName: 'shop-host-1', release, requests: 250 }]);
  });
});
