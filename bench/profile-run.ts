// `npx tsx bench/profile-run.ts ingest|worker|all [seconds] [payload]`: profiles one Faultline
// process under load (node --cpu-prof) and prints what dominated plus CPU ms per event, for the
// "make it fast" loop. ingest: the ingest process alone under a closed loop, or an open loop of
// BENCH_RATE events/s when that is set (nothing consumes the queue), after a 2 s warm-up. worker: N events are queued first, then a worker process drains them while profiled.
// all: one ROLE=all process under an open loop of BENCH_RATE events/s (default 1,500), until it
// has stored what it accepted. BENCH_NODE_ARGS adds flags to the profiled process (worker, all);
// BENCH_PROFILE=0 measures without the profiler (its sampling costs CPU too), for A/B runs;
// BENCH_FAULTLINE_ENV="NAME=value ..." sets Faultline's configuration for the run.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cpuMeter, perEvent, postgresGroup, redisGroup } from './cpu.js';
import { processedEvents } from './database.js';
import type { PayloadKind } from './payloads.js';
import { benchFaultlineEnv, buildDist, faultlineLauncher, startFaultline, type Proc } from './processes.js';
import { summarize } from './profile-summary.js';
import { openRig } from './rig.js';

const [, , what = 'ingest', secondsArg = '15', payloadArg = 'envelope'] = process.argv;
const seconds = Number(secondsArg);
const payload = payloadArg as PayloadKind;
await buildDist();
process.stdout.write(`running ${faultlineLauncher().kind}\n`);
const { db, load, queue, env: rigEnv, spec: rigSpec, close } = await openRig(`prof_${process.pid}`);
const env = rigEnv(benchFaultlineEnv());
const dir = mkdtempSync(path.join(tmpdir(), 'faultline-prof-'));
const closedSpec = (proc: Proc) => ({ ...rigSpec(proc, payload), mode: 'closed' as const, concurrency: 64 });
const profiled = {
  ...(process.env.BENCH_PROFILE === '0' ? {} : { cpuProf: dir }),
  nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
};
try {
  if (what === 'all') {
    const all = await startFaultline('all', env, profiled);
    const meter = cpuMeter([{ name: 'all', pids: () => [all.pid] }, postgresGroup(db.pool, db.name), redisGroup()]);
    const rate = Number(process.env.BENCH_RATE ?? 1500);
    const r = await load.run({ ...rigSpec(all, payload), mode: 'open', rate, durationMs: seconds * 1000 });
    while ((await processedEvents(db.pool)) < r.ok) await new Promise((res) => setTimeout(res, 50));
    const ms = await meter.stop();
    process.stdout.write(`accepted ${r.ok} at ${rate}/s offered; CPU ms per event: ${perEvent(ms, r.ok)}\n`);
    await all.stop();
  } else if (what === 'ingest') {
    const ingest = await startFaultline('ingest', env, profiled);
    const rate = process.env.BENCH_RATE === undefined ? null : Number(process.env.BENCH_RATE);
    const spec = (durationMs: number) =>
      rate === null
        ? { ...closedSpec(ingest), durationMs }
        : { ...rigSpec(ingest, payload), mode: 'open' as const, rate, durationMs };
    await load.run(spec(2000)); // warm-up: the first second's compiles would be most of the p99
    const meter = cpuMeter([{ name: 'ingest', pids: () => [ingest.pid] }, redisGroup()]);
    const r = await load.run(spec(seconds * 1000));
    const ms = await meter.stop();
    process.stdout.write(
      `accepted ${r.ok} (${Math.round(r.acceptedPerSec)}/s); CPU ms per event: ${perEvent(ms, r.ok)}; ` +
        `latency ms p50 ${r.latencyMs.p50.toFixed(1)} p99 ${r.latencyMs.p99.toFixed(1)} max ${r.latencyMs.max.toFixed(1)}\n`,
    );
    await ingest.stop();
  } else {
    const ingest = await startFaultline('ingest', env);
    const n = Math.round(seconds * 1000);
    const r = await load.run({ ...closedSpec(ingest), durationMs: 600_000, maxRequests: n });
    await ingest.stop();
    await queue.pause();
    const worker = await startFaultline('worker', env, profiled);
    const meter = cpuMeter([
      { name: 'worker', pids: () => [worker.pid] },
      postgresGroup(db.pool, db.name),
      redisGroup(),
    ]);
    const t0 = performance.now();
    await queue.resume();
    while ((await processedEvents(db.pool)) < r.ok) await new Promise((res) => setTimeout(res, 50));
    const s = (performance.now() - t0) / 1000;
    const ms = await meter.stop();
    process.stdout.write(
      `drained ${r.ok} in ${s.toFixed(1)} s (${Math.round(r.ok / s)}/s); CPU ms per event: ${perEvent(ms, r.ok)}\n`,
    );
    await worker.stop();
  }
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0];
  if (file) process.stdout.write(`${summarize(JSON.parse(readFileSync(file, 'utf8')), 30)}\nprofile: ${file}\n`);
} finally {
  await close();
}
process.exit(0);
