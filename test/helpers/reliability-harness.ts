// Fault-injection harness: dedicated Postgres and Redis servers on spare ports (so the shared
// ones other tests use are never disturbed), and Faultline roles as separate OS processes
// (`node --import tsx server/src/main.ts`) that tests signal, kill and restart.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { waitFor } from './wait.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const PG_BIN = '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** A dedicated redis-server child process; stop() and start() keep its port. */
export interface RedisServer {
  url: string;
  stop: () => Promise<void>;
  /** Kills it, keeping its append-only file (with `persist`) for start(). */
  outage: () => Promise<void>;
  start: () => Promise<void>;
}

/** `persist`: an append-only file fsynced per write in a temp dir, so a restart keeps the queue (as in production). */
export async function startRedisServer(opts: { persist?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const dir = opts.persist ? mkdtempSync(path.join(tmpdir(), 'faultline-redis-')) : null;
  const persistence = dir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] : ['--appendonly', 'no'];
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor(
      async () => {
        const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => {});
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } finally {
          probe.disconnect();
        }
      },
      { timeout: 15_000, message: `redis-server on ${port}` },
    );
  };
  const stop = async () => {
    if (!child) return;
    const exited = exitOf(child);
    child.kill('SIGKILL'); // an outage, not a clean shutdown
    await exited;
    child = undefined;
  };
  await start();
  return {
    url,
    stop: async () => {
      await stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    start,
    outage: stop,
  };
}

/** A dedicated Postgres cluster (initdb in a temp dir, run as the postgres user, fsync off). */
export interface PostgresServer {
  /** Connection URL for a database on this server. */
  url: (db?: string) => string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  destroy: () => Promise<void>;
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  const dir = mkdtempSync(path.join(tmpdir(), 'faultline-pg-'));
  chownSync(dir, uid, gid);
  const data = path.join(dir, 'data');
  execFileSync(`${PG_BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], {
    uid,
    gid,
    stdio: 'ignore',
  });
  const port = await freePort();
  let child: ChildProcess | undefined;
  const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const start = async () => {
    child = spawn(
      `${PG_BIN}/postgres`,
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      { uid, gid, stdio: 'ignore' },
    );
    await waitFor(
      async () => {
        const c = new pg.Client({ connectionString: url() });
        try {
          await c.connect();
          await c.query('SELECT 1');
          return true;
        } finally {
          await c.end().catch(() => {});
        }
      },
      { timeout: 30_000, message: `postgres on ${port}` },
    );
  };
  const stop = async () => {
    if (!child) return;
    const exited = exitOf(child);
    child.kill('SIGINT'); // fast shutdown: sessions are terminated, new connections refused
    await exited;
    child = undefined;
  };
  await start();
  return {
    url,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One Faultline role running as its own process. */
export interface FaultlineProcess {
  url: string;
  port: number;
  pid: number;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  exited: Promise<Exit>;
  kill: (signal: NodeJS.Signals) => void;
  /** Kills it if still running and waits for the exit. */
  stop: () => Promise<void>;
  waitForLog: (msg: string, timeout?: number) => Promise<Record<string, unknown>>;
}

export async function spawnFaultline(
  env: Record<string, string>,
  opts: { ready?: boolean } = {},
): Promise<FaultlineProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      UDP_ENABLED: 'false',
      SPOOL_DIR: path.join(tmpdir(), `faultline-spool-${port}`), // never the checkout's: tests run in parallel
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = exitOf(child);
  const url = `http://127.0.0.1:${port}`;
  const proc: FaultlineProcess = {
    url,
    port,
    pid: child.pid!,
    logs,
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    waitForLog: (msg, timeout = 30_000) =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}): ${stderr}`);
          return logs.find((l) => l.msg === msg);
        },
        { timeout, message: `log "${msg}"` },
      ),
  };
  if (opts.ready !== false) {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`faultline ${env.ROLE} exited with ${child.exitCode}: ${stderr}`);
        const res = await fetch(`${url}/healthz`).catch(() => null);
        return res?.status === 200;
      },
      { timeout: 60_000, message: `faultline ${env.ROLE ?? 'all'} on ${port}` },
    );
  }
  return proc;
}

/** Sends one event through the store endpoint; resolves with the HTTP status. */
export async function sendEvent(
  baseUrl: string,
  project: { projectId: string; publicKey: string },
  event: Record<string, unknown>,
): Promise<number> {
  const res = await fetch(
    `${baseUrl}/api/${project.projectId}/store/?sentry_key=${project.publicKey}&sentry_version=7`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    },
  ).catch(() => null);
  if (!res) return 0;
  await res.arrayBuffer();
  return res.status;
}

export function eventIdOf(n: number, seed: string): string {
  return `${seed}${n.toString(16)}`.padStart(32, '0').slice(-32);
}

/** The process-event queue's counts per state, zero for absent states. */
export async function jobCounts(queue: {
  getJobCounts: (...states: Array<'waiting' | 'active' | 'delayed' | 'failed'>) => Promise<Record<string, number>>;
}) {
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
  return { waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
}
