// `npm run bench:spool [-- --quick]`: ingest with its disk spool active next to the Redis path.
// One ingest process (no worker) against a private redis-server on a spare port: the typical
// envelope at the highest accepted rate (closed loop), then p50/p99 at one offered rate (open
// loop), first with Redis up (the queue path), then with Redis killed (every micro-batch is
// written and fsynced to the spool), then the time the replay takes once Redis is back.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createProcessQueue } from '../server/src/shared/queues.js';
import { createBenchDatabase } from './database.js';
import { faultlineEnv, faultlineLauncher, freePort, startFaultline, startLoadGenerator } from './processes.js';
import type { LoadResult } from './load.js';

const RESULTS_DIR = new URL('./results/', import.meta.url).pathname;

interface Phase {
  path: 'redis' | 'spool';
  maxPerSec: number;
  offeredPerSec: number;
  acceptedPerSec: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const maxMs = quick ? 2_000 : 8_000;
  const rateMs = quick ? 2_000 : 8_000;
  const log = (msg: string) => process.stderr.write(`[bench:spool] ${msg}\n`);
  const tag = `${Date.now()}_${process.pid}`;
  const db = await createBenchDatabase(
    process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    `faultline_bench_spool_${tag}`,
  );
  const redisPort = await freePort();
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'faultline-bench-spool-'));
  let redis = await startRedis(redisPort);
  const load = startLoadGenerator();
  const redisPrefix = `bench-spool-${tag}`;
  const env = faultlineEnv({ databaseUrl: db.url, redisUrl, redisPrefix }, { LOG_LEVEL: 'warn', SPOOL_DIR: spoolDir });
  const ingest = await startFaultline('ingest', env);
  const origin = `http://127.0.0.1:${ingest.port}`;
  const queueConn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  queueConn.on('error', () => {}); // Redis is killed on purpose below
  const queue = createProcessQueue(queueConn, redisPrefix);
  const phases: Phase[] = [];
  let replay: { jobs: number; seconds: number } | null = null;
  try {
    const target = { origin, projectId: db.project.projectId, publicKey: db.project.publicKey };
    let n = 0;
    const run = (mode: 'open' | 'closed', durationMs: number, rate?: number): Promise<LoadResult> =>
      load.run({
        id: `spool-${++n}`,
        target,
        payload: 'envelope',
        fingerprints: 100,
        zipfS: 1,
        seed: n,
        connections: 64,
        mode,
        durationMs,
        ...(mode === 'closed' ? { concurrency: 64 } : { rate }),
      });
    const measure = async (p: Phase['path'], offered: number | null): Promise<Phase> => {
      const max = await run('closed', maxMs);
      const rate = offered ?? Math.max(1, Math.round(max.acceptedPerSec * 0.5));
      const open = await run('open', rateMs, rate);
      log(
        `${p}: max ${Math.round(max.acceptedPerSec)}/s; at ${rate}/s p50 ${open.latencyMs.p50} ms, p99 ${open.latencyMs.p99} ms, ${open.failed} failed ${JSON.stringify(open.statuses)}`,
      );
      return {
        path: p,
        maxPerSec: max.acceptedPerSec,
        offeredPerSec: rate,
        acceptedPerSec: open.acceptedPerSec,
        failed: open.failed + max.failed,
        p50Ms: open.latencyMs.p50,
        p99Ms: open.latencyMs.p99,
      };
    };

    await run('closed', quick ? 1_000 : 3_000); // warm-up: JIT, key cache
    const viaRedis = await measure('redis', null);
    phases.push(viaRedis);
    await queue.drain(true);

    log('killing redis-server: ingest spools');
    redis.kill('SIGKILL');
    await waitUntil(async () => (await readyz(origin)).status === 'spooling', 15_000);
    await run('closed', 1_000); // the first spooled batches create the file
    phases.push(await measure('spool', viaRedis.offeredPerSec));
    const spooled = (await readyz(origin)).spool?.jobs ?? 0;

    log(`restarting redis-server: ${spooled} jobs to replay`);
    const t0 = Date.now();
    redis = await startRedis(redisPort);
    await waitUntil(async () => (await readyz(origin)).spool?.state === 'idle', 300_000);
    replay = { jobs: spooled, seconds: (Date.now() - t0) / 1000 };
    log(
      `replayed ${spooled} jobs in ${replay.seconds.toFixed(1)} s (${Math.round(spooled / replay.seconds)}/s, reconnect included)`,
    );
  } finally {
    await ingest.stop();
    await load.stop();
    await queue.close().catch(() => {});
    queueConn.disconnect();
    redis.kill('SIGKILL');
    await db.drop().catch(() => {});
    rmSync(spoolDir, { recursive: true, force: true });
  }
  const out = {
    command: `npm run bench:spool${quick ? ' -- --quick' : ''}`,
    at: new Date().toISOString(),
    quick,
    launcher: faultlineLauncher().kind,
    loadAvg: loadavg(),
    phases,
    replay,
  };
  const file = `${RESULTS_DIR}spool-${out.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${formatTable(phases)}\nwritten to ${path.relative(process.cwd(), file)}\n`);
}

function formatTable(phases: Phase[]): string {
  const rows = phases.map(
    (p) =>
      `| ${p.path} | ${Math.round(p.maxPerSec)} | ${p.offeredPerSec} | ${Math.round(p.acceptedPerSec)} | ${p.p50Ms} | ${p.p99Ms} | ${p.failed} |`,
  );
  return [
    '| path | max events/s | offered/s | accepted/s | p50 ms | p99 ms | failed |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitUntil(async () => {
    const probe = new Redis(`redis://127.0.0.1:${port}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } finally {
      probe.disconnect();
    }
  }, 15_000);
  return child;
}

async function readyz(origin: string): Promise<{ status: string; spool?: { state: string; jobs: number } }> {
  return (await (await fetch(`${origin}/readyz`)).json()) as {
    status: string;
    spool?: { state: string; jobs: number };
  };
}

async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:spool failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
