// `npm run bench:sdk [-- --quick]`: the SDK and UDP ingest benchmark (not a test). Every party is
// its own OS process: the SDK under test, the datagram sender, Faultline (ROLE=ingest, real
// Postgres keys and Redis queue) and the baseline receiver (a bare dgram socket that discards,
// and an HTTP server answering 200). Measures
//   1. the cost of one captureException() on the calling thread, HTTP and UDP transports;
//   2. UDP ingest throughput (events/s) and the fraction lost, Faultline vs the bare socket, with
//      the same datagrams at the same offered rates;
//   3. HTTP ingest latency with and without a flood of junk datagrams at the UDP port.
// Prints a table and writes bench/results/sdk-<timestamp>.json.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import { createRedis } from '../server/src/shared/redis.js';
import { bullPrefix, createProcessQueue } from '../server/src/shared/queues.js';
import { readSocketDrops } from '../server/src/metrics/udp.js';
import { createBenchDatabase } from './database.js';
import { faultlineEnv, type Proc, startFaultline } from './processes.js';
import { deleteKeys } from './redis-keys.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const quick = process.argv.includes('--quick');
const PLAN = quick
  ? {
      captureIterations: 3_000,
      captureWarmup: 500,
      rates: [5_000, 20_000],
      stepMs: 2_000,
      poolSize: 4_000,
      floodMs: 3_000,
    }
  : {
      captureIterations: 20_000,
      captureWarmup: 2_000,
      rates: [2_000, 5_000, 10_000, 20_000, 40_000],
      stepMs: 4_000,
      poolSize: 20_000,
      floodMs: 6_000,
    };

const started = new Date();
const log = (msg: string) =>
  process.stderr.write(`[bench:sdk +${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${msg}\n`);

/** A child speaking JSON lines: `ask` writes one line and resolves with the next line it prints. */
interface LineChild {
  child: ChildProcess;
  first: Promise<unknown>;
  ask<T>(msg: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** TypeScript scripts run through tsx; `.mjs` ones with plain node. */
function startTsx(script: string, env: Record<string, string> = {}): LineChild {
  const loader = script.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...loader, `${ROOT}${script}`], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  let firstSettle: { resolve: (v: unknown) => void; reject: (e: Error) => void } = {
    resolve: () => {},
    reject: () => {},
  };
  const first = new Promise((resolve, reject) => (firstSettle = { resolve, reject }));
  let gotFirst = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line) as unknown;
    if (!gotFirst) {
      gotFirst = true;
      firstSettle.resolve(msg);
      if (waiting.length === 0) return;
    }
    waiting.shift()?.resolve(msg);
  });
  // A child that dies must fail the run, not leave it waiting for an answer forever.
  child.once('exit', (code, signal) => {
    const err = new Error(`${script} exited (${code ?? signal}) while an answer was awaited`);
    if (!gotFirst) firstSettle.reject(err);
    for (const w of waiting.splice(0)) w.reject(err);
  });
  return {
    child,
    first,
    ask: <T>(msg: unknown) =>
      new Promise<T>((resolve, reject) => {
        waiting.push({ resolve: resolve as (v: unknown) => void, reject });
        child.stdin!.write(`${JSON.stringify(msg)}\n`);
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Runs a child to completion and parses the one JSON line it prints. */
async function runOnce<T>(script: string, env: Record<string, string>): Promise<T> {
  const c = startTsx(script, env);
  const result = (await c.first) as T;
  await new Promise((r) => (c.child.exitCode !== null ? r(null) : c.child.once('exit', r)));
  return result;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface UdpMetrics {
  accepted: number;
  dropped: Record<string, number>;
  kernelDrops: number;
  pending: number;
}

async function readUdpMetrics(origin: string): Promise<UdpMetrics> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const m: UdpMetrics = { accepted: 0, dropped: {}, kernelDrops: 0, pending: 0 };
  for (const line of text.split('\n')) {
    const d = /^faultline_udp_datagrams_total\{outcome="([^"]+)"\} (\d+)/.exec(line);
    if (d) {
      if (d[1] === 'accepted') m.accepted = Number(d[2]);
      else m.dropped[d[1]!] = Number(d[2]);
    }
    const k = /^faultline_udp_kernel_drops_total (\d+)/.exec(line);
    if (k) m.kernelDrops = Number(k[1]);
    const p = /^faultline_udp_pending_datagrams (\d+)/.exec(line);
    if (p) m.pending = Number(p[1]);
  }
  return m;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
const diff = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(a)
      .map(([k, v]) => [k, v - (b[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );

/** Polls until `read` stops changing (the receiver has caught up with what reached it), at most 2 minutes. */
async function settle(read: () => Promise<number>, isIdle: () => Promise<boolean> = async () => true): Promise<number> {
  let last = -1;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const v = await read();
    if ((v === last && (await isIdle())) || Date.now() > deadline) return v;
    last = v;
    await sleep(250);
  }
}

interface ThroughputRow {
  receiver: 'faultline' | 'bare-dgram';
  offeredRate: number | 'max';
  sent: number;
  received: number;
  /** Faultline: datagrams it queued as events; bare: datagrams read. */
  delivered: number;
  eventsPerSec: number;
  lostFraction: number;
  kernelDrops: number;
  droppedByReason: Record<string, number>;
  sendSeconds: number;
}

async function main(): Promise<void> {
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const tag = `${stamp.slice(0, 19).replace(/[-T]/g, '').toLowerCase()}_${process.pid}`;
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `faultline-bench-sdk-${tag}`;
  const procs: Array<{ stop: () => Promise<void> }> = [];
  const redis = createRedis(redisUrl);
  const queueRedis = createRedis(redisUrl, { maxRetriesPerRequest: null });
  const queue = createProcessQueue(queueRedis, redisPrefix);
  log(`creating database faultline_bench_sdk_${tag}`);
  const db = await createBenchDatabase(adminUrl, `faultline_bench_sdk_${tag}`);
  const cleanup = async () => {
    for (const p of procs.reverse()) await p.stop().catch(() => {});
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close().catch(() => {});
    queueRedis.disconnect(); // BullMQ leaves a connection it was given open
    await deleteKeys(redis, [`${bullPrefix(redisPrefix)}*`, `${redisPrefix}:*`]);
    redis.disconnect();
    await db.drop().catch((err: unknown) => log(`dropping the database failed: ${String(err)}`));
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    const sink = startTsx('bench/sdk-sink.ts');
    procs.push(sink);
    const ports = (await sink.first) as { httpPort: number; udpPort: number };
    const faultlineUdpPort = await freeUdpPort();
    const faultline: Proc = await startFaultline(
      'ingest',
      faultlineEnv(
        { databaseUrl: db.url, redisUrl, redisPrefix },
        { LOG_LEVEL: 'warn', UDP_ENABLED: 'true', UDP_PORT: String(faultlineUdpPort), UDP_HOST: '127.0.0.1' },
      ),
    );
    procs.push(faultline);
    const origin = `http://127.0.0.1:${faultline.port}`;
    const key = db.project.publicKey;
    const projectId = db.project.projectId;

    // 1. captureException on the calling thread, with the package as applications get it.
    log('building the SDK package (client-sdk/dist)');
    execFileSync('npm', ['run', 'build', '-w', 'client-sdk'], { cwd: ROOT, stdio: 'ignore' });
    const capture: Record<string, unknown> = {};
    for (const [transport, dsn] of [
      ['http', `http://${key}@127.0.0.1:${ports.httpPort}/${projectId}`],
      ['udp', `udp://${key}@127.0.0.1:${ports.udpPort}/${projectId}`],
    ] as const) {
      log(`captureException cost over ${transport}: ${PLAN.captureIterations} captures`);
      capture[transport] = await runOnce('bench/sdk-capture.mjs', {
        DSN: dsn,
        ITERATIONS: String(PLAN.captureIterations),
        WARMUP: String(PLAN.captureWarmup),
      });
    }

    // 2. UDP throughput: the same datagrams to the bare socket and to Faultline.
    const sender = startTsx('bench/sdk-udp-sender.ts');
    procs.push(sender);
    const faultlineDsn = `udp://${key}@127.0.0.1:${faultlineUdpPort}/${projectId}`;
    log(`building ${PLAN.poolSize} event datagrams with the SDK`);
    const poolInfo = await sender.ask<{ size: number; avgBytes: number; gzipped: number }>({
      dsn: faultlineDsn,
      poolSize: PLAN.poolSize,
    });
    const throughput: ThroughputRow[] = [];
    let step = 0;
    for (const rate of [...PLAN.rates, 0]) {
      // Paced steps send rate × stepMs (at most the pool, so every event id is new); the "max"
      // step (rate 0) sends the whole pool as fast as the socket takes it.
      const count = rate > 0 ? Math.min(PLAN.poolSize, Math.round((rate * PLAN.stepMs) / 1000)) : PLAN.poolSize;
      for (const receiver of ['bare-dgram', 'faultline'] as const) {
        const port = receiver === 'faultline' ? faultlineUdpPort : ports.udpPort;
        const spec = { id: String(step++), port, rate, durationMs: 600_000, count, kind: 'events' };
        const bareBefore = receiver === 'bare-dgram' ? (await sink.ask<{ datagrams: number }>('stats')).datagrams : 0;
        const bareDropsBefore = readSocketDrops(ports.udpPort);
        const fBefore = receiver === 'faultline' ? await readUdpMetrics(origin) : null;
        const t0 = performance.now();
        const sent = await sender.ask<{ sent: number; errors: number; elapsedMs: number }>(spec);
        let row: ThroughputRow;
        if (receiver === 'bare-dgram') {
          const received =
            (await settle(async () => (await sink.ask<{ datagrams: number }>('stats')).datagrams)) - bareBefore;
          const seconds = sent.elapsedMs / 1000;
          row = {
            receiver,
            offeredRate: rate || 'max',
            sent: sent.sent,
            received,
            delivered: received,
            eventsPerSec: Math.round(received / seconds),
            lostFraction: 1 - received / sent.sent,
            kernelDrops: readSocketDrops(ports.udpPort) - bareDropsBefore,
            droppedByReason: {},
            sendSeconds: seconds,
          };
        } else {
          let doneAt = performance.now();
          const after = await (async () => {
            await settle(
              async () => {
                const m = await readUdpMetrics(origin);
                return m.accepted + sum(m.dropped);
              },
              async () => (await readUdpMetrics(origin)).pending === 0,
            );
            doneAt = performance.now() - 250; // the last poll that saw a change
            return readUdpMetrics(origin);
          })();
          const accepted = after.accepted - fBefore!.accepted;
          const dropped = diff(after.dropped, fBefore!.dropped);
          const seconds = Math.max(sent.elapsedMs, doneAt - t0) / 1000;
          row = {
            receiver,
            offeredRate: rate || 'max',
            sent: sent.sent,
            received: accepted + sum(dropped),
            delivered: accepted,
            eventsPerSec: Math.round(accepted / seconds),
            lostFraction: 1 - accepted / sent.sent,
            kernelDrops: after.kernelDrops - fBefore!.kernelDrops,
            droppedByReason: dropped,
            sendSeconds: sent.elapsedMs / 1000,
          };
          await queue.obliterate({ force: true }); // frees the job ids for the next step, keeps Redis small
        }
        throughput.push(row);
        log(
          `${receiver} @ ${row.offeredRate}/s: sent ${row.sent}, delivered ${row.delivered} (${(row.lostFraction * 100).toFixed(2)} % lost, kernel drops ${row.kernelDrops}), ${row.eventsPerSec} events/s`,
        );
      }
    }

    // 3. HTTP ingest latency, alone and under a junk flood at the UDP port.
    const envelopeUrl = `/api/${projectId}/envelope/?sentry_key=${key}&sentry_version=7`;
    const httpLatency = async (label: string) => {
      const pool = new Pool(origin, { connections: 4 });
      const h = hdr.build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: 60_000_000,
        numberOfSignificantValueDigits: 3,
      });
      let n = 0;
      let failed = 0;
      const end = performance.now() + PLAN.floodMs;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (performance.now() < end) {
            const t = performance.now();
            const res = await pool.request({
              path: envelopeUrl,
              method: 'POST',
              body: `{}\n{"type":"event"}\n{"message":"latency probe ${n++}"}`,
            });
            await res.body.text();
            if (res.statusCode !== 200) failed++;
            h.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
          }
        }),
      );
      await pool.close();
      log(
        `http ${label}: ${n} requests, p50 ${(h.getValueAtPercentile(50) / 1000).toFixed(2)} ms, p99 ${(h.getValueAtPercentile(99) / 1000).toFixed(2)} ms`,
      );
      return {
        label,
        requests: n,
        failed,
        requestsPerSec: Math.round(n / (PLAN.floodMs / 1000)),
        p50Ms: h.getValueAtPercentile(50) / 1000,
        p99Ms: h.getValueAtPercentile(99) / 1000,
      };
    };
    // The control runs the same flood at the bare socket: the sender's own CPU use slows a
    // shared machine too, and only the difference to it is Faultline's cost of the junk.
    const phase = async (label: string, floodPort: number | null) => {
      await queue.obliterate({ force: true });
      const before = await readUdpMetrics(origin);
      const cpu0 = cpuSeconds(faultline.pid);
      const [latency, junk] = await Promise.all([
        httpLatency(label),
        floodPort === null
          ? null
          : sender.ask<{ sent: number; elapsedMs: number }>({
              id: label,
              port: floodPort,
              rate: 0,
              durationMs: PLAN.floodMs,
              kind: 'junk',
            }),
      ]);
      const faultlineCpuPercent = Math.round(((cpuSeconds(faultline.pid) - cpu0) / (PLAN.floodMs / 1000)) * 100);
      await settle(
        async () => {
          const m = await readUdpMetrics(origin);
          return sum(m.dropped);
        },
        async () => (await readUdpMetrics(origin)).pending === 0,
      );
      const after = await readUdpMetrics(origin);
      const dropped = diff(after.dropped, before.dropped);
      return {
        ...latency,
        faultlineCpuPercent,
        junkSent: junk?.sent ?? 0,
        junkPerSec: junk ? Math.round(junk.sent / (junk.elapsedMs / 1000)) : 0,
        junkReadByFaultline: sum(dropped),
        droppedByReason: dropped,
        kernelDrops: after.kernelDrops - before.kernelDrops,
      };
    };
    const http = [
      await phase('alone', null),
      await phase('flood at the bare socket', ports.udpPort),
      await phase('flood at Faultline', faultlineUdpPort),
    ];

    const result = {
      version: 1,
      command: `npm run bench:sdk${quick ? ' -- --quick' : ''}`,
      startedAt: started.toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        loadavg: loadavg(),
        node: process.version,
      },
      plan: PLAN,
      capture,
      udpPool: poolInfo,
      throughput,
      http,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = `${RESULTS_DIR}sdk-${stamp}.json`;
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${formatReport(result)}\n\nresults: ${file}\n`);
  } finally {
    await cleanup();
  }
}

interface CaptureResult {
  callUs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  cpuUsPerEvent: number;
  delivered: boolean;
}

function formatReport(r: {
  machine: { cpus: number; loadavg: number[] };
  capture: Record<string, unknown>;
  udpPool: { size: number; avgBytes: number; gzipped: number };
  throughput: ThroughputRow[];
  http: Array<{
    label: string;
    requestsPerSec: number;
    p50Ms: number;
    p99Ms: number;
    failed: number;
    faultlineCpuPercent: number;
    junkPerSec: number;
    junkReadByFaultline: number;
    kernelDrops: number;
  }>;
}): string {
  const lines: string[] = [];
  lines.push(
    `machine: ${r.machine.cpus} CPUs, load average ${r.machine.loadavg.map((l) => l.toFixed(1)).join(' ')} (shared machines make these figures noisy)`,
  );
  lines.push('', 'captureException() on the calling thread (µs per call)');
  lines.push(pad(['transport', 'p50', 'p90', 'p99', 'p99.9', 'max', 'CPU µs/event (all work)', 'delivered']));
  for (const [t, v] of Object.entries(r.capture)) {
    const c = v as CaptureResult;
    lines.push(
      pad([t, c.callUs.p50, c.callUs.p90, c.callUs.p99, c.callUs.p999, c.callUs.max, c.cpuUsPerEvent, c.delivered]),
    );
  }
  lines.push(
    '',
    `UDP ingest throughput: ${r.udpPool.size} distinct SDK event datagrams, ${r.udpPool.avgBytes} bytes on average, ${Math.round(r.udpPool.gzipped * 100)} % gzipped`,
  );
  lines.push(
    pad(['offered/s', 'receiver', 'sent', 'delivered', 'events/s', 'lost %', 'kernel drops', 'dropped by Faultline']),
  );
  for (const t of r.throughput) {
    lines.push(
      pad([
        t.offeredRate,
        t.receiver,
        t.sent,
        t.delivered,
        t.eventsPerSec,
        (t.lostFraction * 100).toFixed(2),
        t.kernelDrops,
        JSON.stringify(t.droppedByReason),
      ]),
    );
  }
  lines.push(
    '',
    'HTTP ingest (4 connections) alone, while junk datagrams flood the bare socket (control), and while they flood Faultline',
  );
  lines.push(
    pad(['', 'req/s', 'p50 ms', 'p99 ms', 'failed', 'Faultline CPU %', 'junk/s sent', 'junk read', 'kernel drops']),
  );
  for (const h of r.http)
    lines.push(
      pad([
        h.label,
        h.requestsPerSec,
        h.p50Ms.toFixed(2),
        h.p99Ms.toFixed(2),
        h.failed,
        h.faultlineCpuPercent,
        h.junkPerSec,
        h.junkReadByFaultline,
        h.kernelDrops,
      ]),
    );
  return lines.join('\n');
}

/** User + system CPU seconds of a process so far (Linux /proc, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function pad(cells: Array<string | number | boolean>): string {
  return cells.map((c, i) => String(c).padEnd(i === 0 ? 26 : 14)).join(' ');
}

await main();
