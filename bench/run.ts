// `npm run bench [-- --quick] [--out=FILE] [--profile] [--keep-db] [--no-build] [--only=PHASES]
// [--read-events=N] [--scale-out-events=N]`: the reproducible benchmark. Compiles dist/, creates a
// fresh database and Redis prefix, starts Faultline as separate processes (split: ingest + worker;
// then all-in-one), drives load from a separate load-generator process, measures
// the baselines (bare Koa, raw unnest insert) in the same run, measures the worker scaling out
// (scale-out-phase.ts) and the read path on a seeded project (read-phase.ts), prints one table and
// writes bench/results/<timestamp>.json. bench/results/README.md explains every column.
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedis } from '../server/src/shared/redis.js';
import { bullPrefix, createProcessQueue } from '../server/src/shared/queues.js';
import { createBenchDatabase, storagePerEvent } from './database.js';
import { runIngestPhase } from './ingest-phase.js';
import { visibilityPhase } from './latency-phase.js';
import { eventJsonVariants, PAYLOAD_KINDS } from './payloads.js';
import { runPgBaseline } from './pg-baseline.js';
import { burstPhase, sustainedPhase } from './pipeline-phase.js';
import { FULL_PLAN, QUICK_PLAN, withCpu, type BenchContext } from './plan.js';
import {
  buildDist,
  faultlineEnv,
  faultlineLauncher,
  type Proc,
  readRss,
  rssSampler,
  startFaultline,
  startKoaBaseline,
  startLoadGenerator,
} from './processes.js';
import { drainWithWorker, fillQueue } from './queue-phase.js';
import { readPathPhase } from './read-phase.js';
import { evaluateTargets, formatReport } from './report.js';
import { scaleOutPhase } from './scale-out-phase.js';
import { benchResultSchema, type BenchResult, type SustainedResult } from './result.js';
import { deleteKeys } from './redis-keys.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

interface Args {
  quick: boolean;
  /** Compile dist/ first (default for full runs) so the processes run what production runs. */
  build: boolean;
  out: string | null;
  profile: boolean;
  keepDb: boolean;
  /** Phases to run (`--only=ingest,pipeline,scale-out,read-path`); all by default. `pipeline`
   *  includes the ingest phase; `ingest` alone runs just it (ingest against bare Koa). */
  only: Set<Phase> | null;
  /** Override the plan's read-path seed size and the scale-out backlog. */
  readEvents: number | null;
  scaleOutEvents: number | null;
}

export const PHASES = ['ingest', 'pipeline', 'scale-out', 'read-path'] as const;
type Phase = (typeof PHASES)[number];

function parseArgs(argv: string[]): Args {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;
  const quick = argv.includes('--quick');
  const only = value('only')?.split(',').filter(Boolean) ?? null;
  const unknown = only?.filter((p) => !(PHASES as readonly string[]).includes(p)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown phase ${unknown.join(', ')}: use ${PHASES.join(', ')}`);
  const count = (name: string) => {
    const v = value(name);
    if (v !== null && !/^[1-9]\d{0,8}$/.test(v)) throw new Error(`--${name}=${v}: expected a positive integer`);
    return v === null ? null : Number(v);
  };
  return {
    quick,
    build: argv.includes('--build') || (!quick && !argv.includes('--no-build')),
    out: value('out'),
    profile: argv.includes('--profile'),
    keepDb: argv.includes('--keep-db'),
    only: only ? new Set(only as Phase[]) : null,
    readEvents: count('read-events'),
    scaleOutEvents: count('scale-out-events'),
  };
}

/** 1 / (1/a + 1/b): the rate two stages sharing one CPU budget reach together. */
const harmonic = (a: number, b: number) => (a > 0 && b > 0 ? 1 / (1 / a + 1 / b) : Math.max(a, b));

export async function runBench(args: Args): Promise<BenchResult> {
  const plan = {
    ...(args.quick ? QUICK_PLAN : FULL_PLAN),
    ...(args.readEvents ? { readEvents: args.readEvents } : {}),
    ...(args.scaleOutEvents ? { scaleOutEvents: args.scaleOutEvents } : {}),
  };
  const runs = (phase: Phase) => args.only === null || args.only.has(phase);
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const tag = `${stamp.slice(0, 19).replace(/[-T]/g, '').toLowerCase()}_${process.pid}`;
  const log = (msg: string) =>
    process.stderr.write(`[bench +${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${msg}\n`);
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `faultline-bench-${tag}`;
  const cpuProfDir = args.profile ? `${RESULTS_DIR}profiles-${stamp}` : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });

  if (args.build) {
    log('compiling dist/ (tsc -p tsconfig.build.json)');
    await buildDist();
  }
  log(`creating database faultline_bench_${tag}; Faultline runs from ${faultlineLauncher().kind}`);
  const db = await createBenchDatabase(adminUrl, `faultline_bench_${tag}`);
  const redis = createRedis(redisUrl);
  const queue = createProcessQueue(createRedis(redisUrl, { maxRetriesPerRequest: null }), redisPrefix);
  const load = startLoadGenerator();
  // Spike protection off: every event is stored, the full path is measured (with it on, events
  // of an issue past SPIKE_EVENTS_PER_MINUTE are counted but only sampled into storage).
  const env = faultlineEnv({ databaseUrl: db.url, redisUrl, redisPrefix }, { SPIKE_EVENTS_PER_MINUTE: '0' });
  const ctx: BenchContext = { plan, db, redis, redisPrefix, queue, load, env, cpuProfDir, errors: [], cpu: [], log };
  const procs: Proc[] = [];
  const start = async (p: Promise<Proc>) => {
    const proc = await p;
    procs.push(proc);
    return proc;
  };
  const memory = new Map<string, { idleBytes: number | null; loadBytes: number | null }>();
  const idle = async (p: Proc) => {
    await sleep(plan.idleSettleMs);
    memory.set(p.name, { idleBytes: readRss(p.pid), loadBytes: null });
  };
  const underLoad = (maxima: Record<string, number>) => {
    for (const [name, bytes] of Object.entries(maxima)) {
      const m = memory.get(name) ?? { idleBytes: null, loadBytes: null };
      memory.set(name, { ...m, loadBytes: Math.max(m.loadBytes ?? 0, bytes) });
    }
  };
  const sigint = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', sigint);
  const cleanup = async () => {
    for (const p of procs.reverse()) await p.stop().catch(() => {});
    await load.stop().catch(() => {});
    await queue.close().catch(() => {});
    await deleteKeys(redis, [`${bullPrefix(redisPrefix)}*`, `${redisPrefix}:*`]).catch(() => {});
    redis.disconnect();
    if (!args.keepDb) await db.drop().catch((err: unknown) => log(`dropping the database failed: ${String(err)}`));
  };

  const result: Omit<BenchResult, 'targets' | 'finishedAt' | 'durationSec'> = {
    version: 1,
    command: `npm run bench${commandArgs(args)}`,
    quick: args.quick,
    startedAt: started.toISOString(),
    machine: await machineInfo(ctx),
    launcher: faultlineLauncher().kind,
    settings: { ...plan },
    ingest: [],
    pgBaseline: [],
    pipeline: { redisBytesPerQueuedEvent: null, queuedEvents: 0, drain: null, sustained: [], burst: null },
    visibility: null,
    memory: [],
    storage: null,
    errors: ctx.errors,
    cpu: ctx.cpu,
    readPath: null,
    scaleOut: null,
  };
  try {
    if (runs('pipeline')) await pipelinePhases();
    else if (runs('ingest')) await ingestOnly();
    if (runs('scale-out')) {
      log('scale-out: the worker alone draining a backlog with 1, 2 and 3 processes');
      result.scaleOut = await scaleOutPhase(ctx);
    }
    if (runs('read-path')) result.readPath = await readPathPhase(ctx, { adminUrl, redisUrl, keepSeed: !args.quick });
  } catch (err) {
    ctx.errors.push(`run aborted: ${(err as Error).stack ?? String(err)}`);
    log(`run aborted: ${(err as Error).message}`);
  } finally {
    await cleanup();
    process.off('SIGINT', sigint);
  }
  const finished = new Date();
  const figures = {
    ...result,
    memory: [...memory].map(([process, m]) => ({ process, ...m })),
    finishedAt: finished.toISOString(),
    durationSec: (finished.getTime() - started.getTime()) / 1000,
  };
  return benchResultSchema.parse({ ...figures, targets: evaluateTargets(figures) });

  /** `--only=ingest`: the ingest process alone against bare Koa, nothing after it. */
  async function ingestOnly(): Promise<void> {
    log('ingest only: starting ingest and the Koa baseline');
    const koa = await start(startKoaBaseline());
    const ingest = await start(startFaultline('ingest', env, { cpuProf: cpuProfDir }));
    await Promise.all([idle(koa), idle(ingest)]);
    const sampler = rssSampler([ingest, koa]);
    result.ingest = await runIngestPhase(ctx, ingest, koa);
    underLoad(sampler.take());
    sampler.stop();
    await koa.stop();
    await ingest.stop();
  }

  async function pipelinePhases(): Promise<void> {
    // Split mode: the ingest process alone, against the bare Koa baseline.
    log('split mode: starting ingest and the Koa baseline');
    const koa = await start(startKoaBaseline());
    const ingest = await start(startFaultline('ingest', env, { cpuProf: cpuProfDir }));
    await Promise.all([idle(koa), idle(ingest)]);
    let sampler = rssSampler([ingest, koa]);
    result.ingest = await runIngestPhase(ctx, ingest, koa);
    await koa.stop();
    for (const payload of PAYLOAD_KINDS) {
      const payloads = eventJsonVariants(payload, plan.fingerprints);
      const opts = {
        durationMs: plan.pgBaselineMs,
        batchSize: plan.pgBatchSize,
        concurrency: 2,
        table: 'bench_unnest_baseline',
      };
      const r = await withCpu(
        ctx,
        `unnest baseline, ${payload}`,
        [],
        () => runPgBaseline(db.pool, payloads, opts),
        (x) => x.rows,
      );
      result.pgBaseline.push({ payload, rowsPerSec: r.rowsPerSec, bytesPerRow: r.bytesPerRow });
      log(`unnest baseline ${payload}: ${Math.round(r.rowsPerSec)} rows/s, ${Math.round(r.bytesPerRow)} bytes/row`);
    }
    const baselineOf = (payload: string) => result.pgBaseline.find((b) => b.payload === payload)?.rowsPerSec ?? null;

    // Split mode: queue with the worker stopped, then the worker drains it.
    const ingestOrigin = `http://127.0.0.1:${ingest.port}`;
    const queued = await fillQueue(ctx, ingestOrigin);
    result.pipeline.queuedEvents = queued.queued;
    result.pipeline.redisBytesPerQueuedEvent = queued.redisBytesPerQueuedEvent;
    result.settings.redisUsedMemoryDeltaPerEvent = queued.usedMemoryDeltaPerEvent ?? -1;
    log(`queued ${queued.queued} events: ${Math.round(queued.redisBytesPerQueuedEvent ?? 0)} bytes each in Redis`);
    await queue.pause();
    const drainPromise = drainWithWorker(ctx, queued.queued, async (worker) => {
      procs.push(worker);
      await idle(worker);
      underLoad(sampler.take());
      sampler.stop();
      sampler = rssSampler([ingest, worker]);
      await queue.resume();
    });
    const drain = await drainPromise;
    result.pipeline.drain = {
      mode: 'split',
      events: queued.queued,
      seconds: drain.seconds,
      eventsPerSec: drain.eventsPerSec,
      groupingCacheHitRate: drain.groupingCacheHitRate,
    };
    const ingestMax = (p: string) => result.ingest.find((i) => i.payload === p)?.maxAcceptedPerSec ?? 100;
    if (plan.splitSustain) {
      result.pipeline.sustained.push(
        await sustainedPhase(ctx, ingestOrigin, {
          mode: 'split',
          payload: 'envelope',
          initial: Math.min(ingestMax('envelope'), drain.eventsPerSec) * 0.7,
          durationMs: plan.sustainMs,
          pgBaselineRowsPerSec: baselineOf('envelope'),
          procs: [ingest, drain.worker],
        }),
      );
    }
    underLoad(sampler.take());
    sampler.stop();
    await ingest.stop();
    await drain.worker.stop();

    // All-in-one mode.
    log('all-in-one mode');
    const all = await start(startFaultline('all', env, { cpuProf: cpuProfDir }));
    await idle(all);
    sampler = rssSampler([all]);
    const origin = `http://127.0.0.1:${all.port}`;
    const typical: SustainedResult = await sustainedPhase(ctx, origin, {
      mode: 'all-in-one',
      payload: 'envelope',
      initial: harmonic(ingestMax('envelope'), drain.eventsPerSec),
      durationMs: plan.sustainMs,
      pgBaselineRowsPerSec: baselineOf('envelope'),
      procs: [all],
    });
    result.pipeline.sustained.push(typical);
    const burstRate = Math.round(typical.offeredPerSec * plan.burstFactor);
    const burst = await burstPhase(ctx, origin, burstRate);
    result.pipeline.burst = {
      mode: 'all-in-one',
      offeredPerSec: burstRate,
      ...burst,
      withinTwiceBurst: burst.drainSec !== null && burst.drainSec <= 2 * burst.burstSec,
    };
    result.visibility = await visibilityPhase(
      ctx,
      origin,
      'all-in-one',
      queued.variantEvents.get(0),
      typical.offeredPerSec,
    );
    const storage = await storagePerEvent(db.pool);
    result.storage = {
      ...storage,
      pgBaselineBytesPerRow: result.pgBaseline.find((b) => b.payload === 'envelope')?.bytesPerRow ?? null,
    };
    if (plan.largeSustainMs > 0) {
      result.pipeline.sustained.push(
        await sustainedPhase(ctx, origin, {
          mode: 'all-in-one',
          payload: 'large',
          initial: harmonic(ingestMax('large'), drain.eventsPerSec / 4),
          durationMs: plan.largeSustainMs,
          pgBaselineRowsPerSec: baselineOf('large'),
          procs: [all],
        }),
      );
    }
    underLoad(sampler.take());
    sampler.stop();
    await all.stop();
  }
}

function commandArgs(args: Args): string {
  const flags = [
    args.quick ? '--quick' : '',
    args.only ? `--only=${[...args.only].join(',')}` : '',
    args.readEvents ? `--read-events=${args.readEvents}` : '',
    args.scaleOutEvents ? `--scale-out-events=${args.scaleOutEvents}` : '',
  ].filter(Boolean);
  return flags.length > 0 ? ` -- ${flags.join(' ')}` : '';
}

async function machineInfo(ctx: BenchContext): Promise<BenchResult['machine']> {
  const pg = await ctx.db.pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  const redisVersion = /^redis_version:(\S+)/m.exec(await ctx.redis.info('server'))?.[1] ?? 'unknown';
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memBytes: totalmem(),
    node: process.version,
    postgres: pg.rows[0]!.v,
    redis: redisVersion,
    loadAvgAtStart: loadavg(),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = parseArgs(process.argv.slice(2));
  const result = await runBench(args);
  const file = args.out ?? `${RESULTS_DIR}${result.startedAt.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${formatReport(result)}\n\nresults: ${file}\n`);
  process.exit(result.errors.some((e) => e.startsWith('run aborted')) ? 1 : 0);
}
