// End to end: an application using the SDK while its Faultline is down, never answers, or rate
// limits (429). The application keeps running, flush() returns within its timeout, and once the
// server is back the client report of what was dropped, by reason, reaches the real Faultline
// and is counted in client_report_counts. The failures come from a proxy on 127.0.0.1 in front
// of the real server (the ingest has no per-key rate limit of its own yet).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** flush(timeout) must return by its timeout; this only absorbs a loaded machine's timer lag (a contract, not a speed check). */
const SCHEDULING_SLACK_MS = 2000;

type Mode = 'ok' | 'down' | 'hang' | '429';

interface Proxy {
  port: number;
  /** Bodies seen, with the status answered (0 = held or cut). */
  seen: Array<{ body: string; status: number }>;
  setMode(mode: Mode): Promise<void>;
  close(): Promise<void>;
}

/** Forwards to Faultline in `ok` mode; otherwise refuses connections, holds requests, or answers 429. */
async function startProxy(target: string): Promise<Proxy> {
  let mode: Mode = 'ok';
  const held: IncomingMessage[] = [];
  const seen: Proxy['seen'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = { body: body.toString('utf8'), status: 0 };
      seen.push(entry);
      if (mode === 'hang') return void held.push(req);
      if (mode === '429') {
        entry.status = 429;
        return void res
          .writeHead(429, { 'x-sentry-rate-limits': '60:error:key', 'content-type': 'application/json' })
          .end('{"detail":"rate limited"}');
      }
      forward(req, body, res, (status) => (entry.status = status));
    });
  });
  function forward(req: IncomingMessage, body: Buffer, res: ServerResponse, done: (status: number) => void): void {
    const upstream = request(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (up) => {
        done(up.statusCode ?? 0);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end(body);
  }
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    seen,
    async setMode(next) {
      if (mode === 'hang') for (const req of held.splice(0)) req.socket.destroy(); // the server died mid-request
      if (next === 'down' && mode !== 'down') {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
      if (mode === 'down' && next !== 'down') await listen(port);
      mode = next;
    },
    async close() {
      for (const req of held.splice(0)) req.socket.destroy();
      server.closeAllConnections();
      if (mode !== 'down') await new Promise((r) => server.close(r));
    },
  };
}

interface Answer {
  command: string;
  value: unknown;
  ms: number;
  ticks: number;
  threw: boolean;
}

/** The application (programs/resilient.ts) as a child process taking one command at a time. */
function startApp(dsn: string): {
  send: (line: string) => Promise<Answer>;
  end: () => Promise<number | null>;
  stderr: () => string;
} {
  const env: NodeJS.ProcessEnv = { ...process.env, DSN: dsn };
  delete env.NODE_OPTIONS;
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/client-sdk/e2e/programs/resilient.ts'],
    { cwd: ROOT, env },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const waiting: Array<(a: Answer) => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(JSON.parse(line) as Answer));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    send: (line) =>
      new Promise<Answer>((resolve) => {
        waiting.push(resolve);
        child.stdin.write(`${line}\n`);
      }),
    end: () => {
      child.stdin.end();
      return exited;
    },
    stderr: () => stderr,
  };
}

describe('the SDK when Faultline is down, hangs or rate limits', () => {
  let server: TestServer;
  let proxy: Proxy;
  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'all', UDP_PORT: '0' });
    proxy = await startProxy(server.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  const storedMessages = async () =>
    (
      await server.pool.query<{ title: string }>('SELECT title FROM events WHERE project_id = $1', [
        server.project.projectId,
      ])
    ).rows.map((r) => r.title);

  it('leaves the application unaffected and reports the drops by reason once the server is back', async () => {
    const dsn = `http://${server.project.publicKey}@127.0.0.1:${proxy.port}/${server.project.projectId}`;
    const app = startApp(dsn);
    const ok = (a: Answer) =>
      expect({ command: a.command, threw: a.threw }).toEqual({ command: a.command, threw: false });

    // Healthy: delivered and stored.
    const first = await app.send('capture before');
    ok(first);
    expect(first.value).toMatch(/^[0-9a-f]{32}$/);
    expect((await app.send('flush 5000')).value).toBe(true);
    await waitFor(async () => (await storedMessages()).includes('Error: order failed: before'), {
      message: 'first event stored',
    });

    // Down (connection refused): the event is lost at once as network_error; flush is quick.
    await proxy.setMode('down');
    ok(await app.send('capture down'));
    const downFlush = await app.send('flush 2000');
    ok(downFlush);
    expect(downFlush.ms).toBeLessThan(2000 + SCHEDULING_SLACK_MS);

    // Never answers: flush gives up at its timeout (false) while the application keeps ticking.
    await proxy.setMode('hang');
    ok(await app.send('capture hang'));
    const hangFlush = await app.send('flush 500');
    expect(hangFlush).toMatchObject({ value: false, threw: false });
    expect(hangFlush.ms).toBeGreaterThanOrEqual(450);
    expect(hangFlush.ms).toBeLessThan(500 + SCHEDULING_SLACK_MS);
    expect(hangFlush.ticks).toBeGreaterThan(0);

    // 429 with an error rate limit: the refused event is not counted (the server knows); the next
    // one is dropped by the SDK without a request (ratelimit_backoff).
    await proxy.setMode('429'); // also cuts the held requests: the hanging event is a network_error
    ok(await app.send('capture limited-1'));
    expect((await app.send('flush 2000')).value).toBe(true);
    const requestsBefore = proxy.seen.length;
    ok(await app.send('capture limited-2'));
    expect((await app.send('flush 2000')).value).toBe(true);
    expect(proxy.seen.slice(requestsBefore).some((r) => r.body.includes('limited-2'))).toBe(false);
    expect(proxy.seen.some((r) => r.status === 429 && r.body.includes('limited-1'))).toBe(true);

    // Back: close() delivers the client report; the process then ends by itself.
    await proxy.setMode('ok');
    const closed = await app.send('close 5000');
    expect(closed).toMatchObject({ value: true, threw: false });
    expect(await app.end()).toBe(0);
    expect(app.stderr()).toBe('');

    const counts = await waitFor(
      async () => {
        const { rows } = await server.pool.query<{ reason: string; category: string; quantity: number }>(
          'SELECT reason, category, quantity::int AS quantity FROM client_report_counts WHERE project_id = $1 ORDER BY reason',
          [server.project.projectId],
        );
        return rows.length >= 2 ? rows : null;
      },
      { message: 'client report counted' },
    );
    expect(counts).toEqual([
      { reason: 'network_error', category: 'error', quantity: 2 },
      { reason: 'ratelimit_backoff', category: 'error', quantity: 1 },
    ]);
    expect(proxy.seen.filter((r) => r.status === 200 && r.body.includes('"client_report"'))).toHaveLength(1);
    expect(await storedMessages()).toEqual(['Error: order failed: before']);
  }, 60_000);
});
