// Real child processes (node --import tsx programs/*.ts) report to a recording HTTP server or
// UDP socket: handled captures, uncaught exceptions and unhandled rejections, exit codes.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../../client-sdk/src/index.js';
import { waitFor } from '../helpers/wait.js';
import {
  countersOf,
  discarded,
  eventsOf,
  isGzip,
  startHttpRecorder,
  startUdpRecorder,
  type HttpRecorder,
  type ParsedEnvelope,
  type UdpRecorder,
} from '../helpers/sdk-recorder.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(program: string, dsn: string, o: { mode?: string; nodeArgs?: string[] } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DSN: dsn, MODE: o.mode ?? '' };
  delete env.NODE_OPTIONS;
  const args = [...(o.nodeArgs ?? []), '--import', 'tsx', `test/client-sdk/programs/${program}.ts`];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let http: HttpRecorder;
let udp: UdpRecorder;
beforeAll(async () => {
  [http, udp] = await Promise.all([startHttpRecorder(), startUdpRecorder()]);
});
afterAll(async () => {
  await Promise.all([http.close(), udp.close()]);
});

/** Envelopes received since `from` (the recorders are shared by the tests in this file). */
function since(kind: 'http' | 'udp', from: number): ParsedEnvelope[] {
  return (kind === 'http' ? http.envelopes() : udp.envelopes()).slice(from);
}
function received(kind: 'http' | 'udp'): number {
  return kind === 'http' ? http.requests.length : udp.datagrams.length;
}
function dsnOf(kind: 'http' | 'udp'): string {
  return kind === 'http' ? http.dsn : udp.dsn;
}
const topFrame = (e: Event | undefined) => e?.exception?.values.at(-1)?.stacktrace?.frames.at(-1);

describe.each(['http', 'udp'] as const)('handled captures over %s', (kind) => {
  it('sends the chained error once, the message, the scoped error and the request count', async () => {
    const from = received(kind);
    const result = await run('handled', dsnOf(kind));
    expect(result).toMatchObject({ code: 0, stdout: '{"delivered":true}' });
    const envelopes = await waitFor(() => {
      const e = since(kind, from);
      return countersOf(e).length > 0 && eventsOf(e).length >= 3 ? e : null;
    });
    const events = eventsOf(envelopes);
    expect(events).toHaveLength(3);
    // Datagrams may arrive in any order: pick events by content.
    const chained = events.find((e) => e.exception?.values.length === 2);
    const message = events.find((e) => e.message);
    const scoped = events.find((e) => e.exception?.values[0]?.type === 'RangeError');

    expect(chained?.exception?.values.map((v) => [v.type, v.mechanism])).toEqual([
      ['TypeError', { type: 'chained', handled: true, source: 'cause', exception_id: 1, parent_id: 0 }],
      ['DbError', { type: 'generic', handled: true, exception_id: 0 }],
    ]);
    const causeTop = chained?.exception?.values[0]?.stacktrace?.frames.at(-1);
    expect(causeTop).toMatchObject({
      function: 'query',
      module: 'test.client-sdk.programs:handled',
      in_app: true,
      context_line: '  return row.id;',
    });
    expect(causeTop?.pre_context).toHaveLength(5);
    expect(topFrame(chained)).toMatchObject({
      function: 'loadOrder',
      lineno: 23,
      context_line: expect.stringContaining('throw new DbError'),
    });
    expect(chained).toMatchObject({
      platform: 'node',
      level: 'error',
      release: 'shop@1.4.2',
      server_name: 'web-1',
      tags: { region: 'eu-west' },
      user: { id: '42', email: 'buyer@example.com' },
      breadcrumbs: [{ category: 'http', message: 'GET /cart', level: 'info' }],
    });
    expect(message).toMatchObject({ message: 'Payment 1999 declined for order 981', level: 'warning' });
    expect(scoped?.tags).toEqual({ region: 'eu-west', job: 'stock-sync' });
    expect(countersOf(envelopes)).toEqual([
      expect.objectContaining({ requests: 5, server_name: 'web-1', release: 'shop@1.4.2', environment: 'production' }),
    ]);
    if (kind === 'udp') {
      expect(envelopes.every((e) => e.header.dsn === udp.dsn)).toBe(true);
      // the chained error with context lines is above 1 KiB: gzipped
      expect(udp.datagrams.slice(from).some(isGzip)).toBe(true);
    }
  });
});

describe('uncaught exceptions', () => {
  it.each(['http'] as const)(
    'are sent (handled: false, fatal) over %s before the process exits with 1',
    async (kind) => {
      const from = received(kind);
      const result = await run('uncaught', dsnOf(kind));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('TypeError: boom in timer');
      const [event] = await waitFor(() => {
        const events = eventsOf(since(kind, from));
        return events.length ? events : null;
      });
      expect(event).toMatchObject({ level: 'fatal', breadcrumbs: [{ message: 'about to fail' }] });
      expect(event?.exception?.values).toEqual([
        expect.objectContaining({
          type: 'TypeError',
          value: 'boom in timer',
          mechanism: { type: 'onuncaughtexception', handled: false },
        }),
      ]);
    },
  );

  it('are not sent twice when already captured before being rethrown', async () => {
    const from = received('udp');
    const result = await run('uncaught', udp.dsn, { mode: 'rethrow' });
    expect(result.code).toBe(1);
    const events = await waitFor(() => {
      const e = eventsOf(since('udp', from));
      return e.length ? e : null;
    });
    expect(events.map((e) => e.exception?.values[0]?.mechanism)).toEqual([{ type: 'generic', handled: true }]);
  });

  it("leave the decision to the application's own listener", async () => {
    const from = received('http');
    const result = await run('uncaught', http.dsn, { mode: 'app-handler' });
    expect(result).toMatchObject({ code: 0, stdout: 'app handled: boom in timer' });
    const [event] = eventsOf(since('http', from));
    expect(event).toMatchObject({
      level: 'error',
      exception: { values: [{ mechanism: { type: 'onuncaughtexception', handled: false } }] },
    });
  });
});

describe('unhandled rejections', () => {
  it('keep Node’s default: sent as onunhandledrejection, then exit 1', async () => {
    const from = received('http');
    const result = await run('rejection', http.dsn);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stock sync rejected');
    const events = eventsOf(since('http', from));
    expect(events.map((e) => [e.level, e.exception?.values[0]?.mechanism])).toEqual([
      ['fatal', { type: 'onunhandledrejection', handled: false }],
    ]);
  });

  it('under --unhandled-rejections=warn are sent and the process ends normally (flushed at beforeExit)', async () => {
    const from = received('udp');
    const result = await run('rejection', udp.dsn, { nodeArgs: ['--unhandled-rejections=warn'] });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('stock sync rejected');
    const [event] = await waitFor(() => {
      const events = eventsOf(since('udp', from));
      return events.length ? events : null;
    });
    expect(event).toMatchObject({
      level: 'error',
      exception: { values: [{ mechanism: { type: 'onunhandledrejection', handled: false } }] },
    });
    expect(discarded(since('udp', from))).toEqual({});
    await waitFor(() => countersOf(since('udp', from)).length === 1);
    expect(countersOf(since('udp', from))[0]?.requests).toBe(3);
  });
});

describe('process lifetime', () => {
  it.each([
    ['is down', 'down'],
    ['never answers', 'hang'],
    ['answers', 'ok'],
  ] as const)('a process that never flushes still ends by itself when the server %s', async (_, state) => {
    const server = await startHttpRecorder();
    try {
      if (state === 'down') await server.stop();
      if (state === 'hang') server.behave({ kind: 'hang' });
      const result = await run('lifetime', server.dsn);
      expect(result).toMatchObject({ code: 0, stdout: 'script done' });
      // beforeExit delivered what was pending
      if (state === 'ok') expect(eventsOf(server.envelopes()).map((e) => e.message)).toEqual(['left for beforeExit']);
      if (state === 'ok') expect(countersOf(server.envelopes())[0]?.requests).toBe(2);
    } finally {
      await server.close().catch(() => undefined);
    }
  });
});
