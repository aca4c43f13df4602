// The processes a benchmark run starts: Faultline by role (the built dist when present, else the
// TypeScript sources through tsx), the bare Koa baseline and the load generator, each a separate
// OS process; plus reading a process's resident memory from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LoadProgress, LoadResult, LoadSpec } from './load.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST_MAIN = `${ROOT}dist/server/src/main.js`;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface Proc {
  name: string;
  pid: number;
  port?: number;
  child: ChildProcess;
  /** Last lines of output, for error messages. */
  tail: string[];
  /** Listeners for each stdout line. */
  lineListeners: Array<(line: string) => void>;
  stop: () => Promise<void>;
}

/**
 * How Faultline is started: the compiled `dist/` when it is newer than every source file (what
 * production runs: tsx adds ~50 MB of RSS and transpiles on start), else the sources through tsx.
 */
export function faultlineLauncher(): { kind: 'dist' | 'tsx'; args: string[] } {
  const fresh =
    existsSync(DIST_MAIN) && statSync(DIST_MAIN).mtimeMs >= newestSource([`${ROOT}server/src`, `${ROOT}ingest/src`]);
  return fresh
    ? { kind: 'dist', args: [DIST_MAIN] }
    : { kind: 'tsx', args: ['--import', 'tsx', `${ROOT}server/src/main.ts`] };
}

/** Compiles server and ingest into dist/ (`tsc -p tsconfig.build.json`); type errors do not stop the emit. */
export async function buildDist(): Promise<void> {
  const child = spawn(
    process.execPath,
    [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tsconfig.build.json`],
    { cwd: ROOT, stdio: 'ignore' },
  );
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

function newestSource(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs) {
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile() && e.name.endsWith('.ts'))
        newest = Math.max(newest, statSync(path.join(e.parentPath, e.name)).mtimeMs);
    }
  }
  return newest;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Only these variables pass from our environment: a test runner's (e.g. BASE_URL) must not leak into Faultline's config. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'];

function launch(name: string, args: string[], env: Record<string, string>, extraNodeArgs: string[] = []): Proc {
  const inherited = Object.fromEntries(
    INHERITED_ENV.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])),
  );
  const child = spawn(process.execPath, [...extraNodeArgs, ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  const lineListeners: Array<(line: string) => void> = [];
  createInterface({ input: child.stderr! }).on('line', keep);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (name !== 'load') keep(line);
    for (const l of lineListeners) l(line);
  });
  return { name, pid: child.pid!, child, tail, lineListeners, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** BENCH_FAULTLINE_ENV="NAME=value ...": configuration a profiling script sets for its run. */
export function benchFaultlineEnv(): Record<string, string> {
  return Object.fromEntries(
    (process.env.BENCH_FAULTLINE_ENV ?? '')
      .split(' ')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/**
 * The environment every bench run gives Faultline: its database and Redis prefix, migrations
 * already applied by the bench, no UDP listener; `extra` adds or overrides variables.
 */
export function faultlineEnv(
  target: { databaseUrl: string; redisUrl: string; redisPrefix: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: target.databaseUrl,
    REDIS_URL: target.redisUrl,
    REDIS_PREFIX: target.redisPrefix,
    LOG_LEVEL: 'info',
    RUN_MIGRATIONS: 'false',
    UDP_ENABLED: 'false',
    ...extra,
  };
}

/**
 * Starts Faultline with ROLE=role on a free port (every role serves /healthz and /metrics); ready
 * once the "worker started" log line appeared (worker, all) or /healthz answers (ingest, api).
 * `cpuProf` writes a V8 CPU profile into that directory when the process exits.
 */
export async function startFaultline(
  role: 'all' | 'ingest' | 'worker' | 'api',
  env: Record<string, string>,
  opts: { cpuProf?: string; nodeArgs?: string[] } = {},
): Promise<Proc> {
  const port = await freePort();
  const nodeArgs = [
    ...(opts.nodeArgs ?? []),
    ...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : []),
  ];
  const proc = launch(
    `faultline-${role}`,
    faultlineLauncher().args,
    { ...env, ROLE: role, PORT: String(port), HOST: '127.0.0.1' },
    nodeArgs,
  );
  proc.port = port;
  const exited = new Promise<never>((_, reject) =>
    proc.child.once('exit', (code) =>
      reject(new Error(`${proc.name} exited with ${code} before it was ready:\n${proc.tail.join('\n')}`)),
    ),
  );
  const ready =
    role === 'worker' || role === 'all'
      ? waitLine(proc, /"msg":"worker started"/)
      : waitHttp(`http://127.0.0.1:${port}/healthz`);
  await Promise.race([
    ready,
    exited,
    timeout(START_TIMEOUT_MS, `${proc.name} did not start within ${START_TIMEOUT_MS} ms:\n${proc.tail.join('\n')}`),
  ]);
  return proc;
}

export async function startKoaBaseline(): Promise<Proc> {
  const port = await freePort();
  const proc = launch('koa-baseline', ['--import', 'tsx', `${ROOT}bench/koa-baseline.ts`], { PORT: String(port) });
  proc.port = port;
  await Promise.race([
    waitHttp(`http://127.0.0.1:${port}/`),
    timeout(START_TIMEOUT_MS, `koa baseline did not start:\n${proc.tail.join('\n')}`),
  ]);
  return proc;
}

export interface LoadGenerator extends Proc {
  run(spec: LoadSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadResult>;
}

export function startLoadGenerator(): LoadGenerator {
  const proc = launch('load', ['--import', 'tsx', `${ROOT}bench/load.ts`], {});
  const pending = new Map<
    string,
    { resolve: (r: LoadResult) => void; reject: (e: Error) => void; onProgress?: (p: LoadProgress) => void }
  >();
  proc.lineListeners.push((line) => {
    const msg = JSON.parse(line) as LoadResult | LoadProgress | { type: 'error'; id: string; message: string };
    const p = pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') return p.onProgress?.(msg);
    pending.delete(msg.id);
    if (msg.type === 'error') p.reject(new Error(`load generator: ${msg.message}`));
    else p.resolve(msg);
  });
  proc.child.once('exit', (code) => {
    for (const p of pending.values())
      p.reject(new Error(`load generator exited with ${code}:\n${proc.tail.join('\n')}`));
  });
  return {
    ...proc,
    stop: async () => {
      proc.child.stdin!.end();
      await stopChild(proc.child);
    },
    run(spec, onProgress) {
      return new Promise((resolve, reject) => {
        pending.set(spec.id, { resolve, reject, onProgress });
        proc.child.stdin!.write(`${JSON.stringify(spec)}\n`);
      });
    },
  };
}

/** Resident set size in bytes (VmRSS), or null when the process is gone. */
export function readRss(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null; // exited between the check and the read: no sample
  }
}

/** Samples the RSS of some processes every `everyMs`; `take()` returns the maxima and resets. */
export function rssSampler(procs: Proc[], everyMs = 250): { take: () => Record<string, number>; stop: () => void } {
  let max: Record<string, number> = {};
  const sample = () => {
    for (const p of procs) {
      const rss = readRss(p.pid);
      if (rss !== null) max[p.name] = Math.max(max[p.name] ?? 0, rss);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    take: () => {
      sample();
      const out = max;
      max = {};
      return out;
    },
    stop: () => clearInterval(timer),
  };
}

async function waitHttp(url: string): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function waitLine(proc: Proc, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    if (proc.tail.some((l) => pattern.test(l))) return resolve();
    proc.lineListeners.push((line) => void (pattern.test(line) && resolve()));
  });
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}
