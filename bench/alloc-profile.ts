// `npx tsx bench/alloc-profile.ts ingest|worker [events] [payload]`: what one Faultline role
// allocates per typical event, and where (V8's sampling heap profiler, counting the objects that
// were collected since, so it is every allocation, not what stays alive). Garbage is the largest
// single item in every CPU profile (bench/profile-run.ts); this says which code makes it.
// The role runs inside this process (from the sources, as `npm run dev` would), so the profiler
// can be asked to keep collected objects; the bench's own connections add a little of their own.
// ingest: an open loop at BENCH_RATE events/s (default 2,000), 2 s of warm-up, then `events`
// requests profiled. worker: `events` requests are queued through an ingest process first, then
// the worker drains them while profiled. Also prints the process' garbage collections over the
// same time (scavenges copy what is still alive, so their time says how much outlived them).
// BENCH_FAULTLINE_ENV="NAME=value ..." sets Faultline's configuration, NODE_OPTIONS V8's (e.g.
// --max-semi-space-size=64). Writes the .heapprofile (Chrome DevTools → Memory).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { constants as perf, PerformanceObserver } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../server/src/config.js';
import { start } from '../server/src/main.js';
import { processedEvents } from './database.js';
import type { PayloadKind } from './payloads.js';
import { benchFaultlineEnv, freePort, startFaultline } from './processes.js';
import { isOurs, where } from './profile-summary.js';
import { openRig } from './rig.js';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

const SAMPLING_INTERVAL_BYTES = 8192;

const [, , role = 'ingest', eventsArg = '20000', payloadArg = 'envelope'] = process.argv;
if (role !== 'ingest' && role !== 'worker')
  throw new Error('usage: tsx bench/alloc-profile.ts ingest|worker [events] [payload]');
const events = Number(eventsArg);
const payload = payloadArg as PayloadKind;
const rate = Number(process.env.BENCH_RATE ?? 2000);
const { db, load, queue, env: rigEnv, spec: rigSpec, close } = await openRig(`alloc_${process.pid}`);
const env = rigEnv(benchFaultlineEnv());
const session = new Session();
session.connect();
try {
  let measured: () => Promise<number>;
  if (role === 'ingest') {
    const port = await freePort();
    const running = await start(loadConfig({ ...env, ROLE: 'ingest', PORT: String(port), HOST: '127.0.0.1' }));
    const spec = (durationMs: number) => ({ ...rigSpec({ port }, payload), mode: 'open' as const, rate, durationMs });
    await load.run(spec(2000));
    measured = async () => {
      const r = await load.run(spec((events / rate) * 1000));
      await running.stop();
      return r.ok;
    };
  } else {
    const ingest = await startFaultline('ingest', env);
    const r = await load.run({
      ...rigSpec(ingest, payload),
      mode: 'closed',
      concurrency: 64,
      durationMs: 600_000,
      maxRequests: events,
    });
    await ingest.stop();
    await queue.pause();
    const running = await start(loadConfig({ ...env, ROLE: 'worker', PORT: '0', HOST: '127.0.0.1' }));
    measured = async () => {
      await queue.resume();
      while ((await processedEvents(db.pool)) < r.ok) await new Promise((res) => setTimeout(res, 50));
      await running.stop();
      return r.ok;
    };
  }
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: SAMPLING_INTERVAL_BYTES,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const pauses: Array<{ kind: number; ms: number }> = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      pauses.push({ kind: (e as unknown as { detail: { kind: number } }).detail.kind, ms: e.duration });
  });
  gc.observe({ entryTypes: ['gc'] });
  const n = await measured();
  gc.disconnect();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const kinds = [
    [perf.NODE_PERFORMANCE_GC_MINOR, 'scavenges'],
    [perf.NODE_PERFORMANCE_GC_MAJOR, 'mark-compacts'],
    [perf.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental marking steps'],
  ] as const;
  for (const [kind, name] of kinds) {
    const ms = pauses.filter((p) => p.kind === kind).map((p) => p.ms);
    const sum = ms.reduce((a, b) => a + b, 0);
    process.stdout.write(
      `${name}: ${ms.length}, ${sum.toFixed(0)} ms (${((sum * 1000) / n).toFixed(1)} µs per event), longest ${Math.max(0, ...ms).toFixed(1)} ms\n`,
    );
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'faultline-alloc-')), `${role}.heapprofile`);
  writeFileSync(file, JSON.stringify(profile));
  process.stdout.write(`${summarizeAllocations(profile.head as HeapNode, n, 25)}\nprofile: ${file}\n`);
} finally {
  session.disconnect();
  await close();
}
process.exit(0);

/** Bytes allocated per event: by function (self), by package or file, and inclusive of our functions. */
function summarizeAllocations(head: HeapNode, n: number, top: number): string {
  const selfFn = new Map<string, number>();
  const selfWhere = new Map<string, number>();
  const inclusiveOurs = new Map<string, number>();
  let total = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const walk = (node: HeapNode, ours: readonly string[]) => {
    const f = node.callFrame;
    const own = isOurs(f.url) ? `${f.functionName || '(anonymous)'} ${where(f.url)}` : null;
    const chain = own && !ours.includes(own) ? [...ours, own] : ours;
    if (node.selfSize > 0) {
      total += node.selfSize;
      // Sources run through tsx report line 0 for our code: the line is shown when known.
      const at = f.lineNumber > 0 ? `:${f.lineNumber + 1}` : '';
      add(selfFn, `${f.functionName || '(anonymous)'} ${where(f.url)}${at}`, node.selfSize);
      add(selfWhere, where(f.url), node.selfSize);
      for (const k of chain) add(inclusiveOurs, k, node.selfSize);
    }
    for (const c of node.children) walk(c, chain);
  };
  walk(head, []);
  const line = (k: string, v: number) =>
    `${((100 * v) / total).toFixed(1).padStart(5)}%  ${(v / n / 1024).toFixed(1).padStart(6)} KB  ${k}`;
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => line(k, v))
      .join('\n');
  return [
    `${n} events; allocated ${(total / n / 1024).toFixed(1)} KB per event (sampled every ${SAMPLING_INTERVAL_BYTES} bytes)`,
    '',
    'self by package / file:',
    list(selfWhere),
    '',
    'self by function:',
    list(selfFn),
    '',
    'inclusive of our functions:',
    list(inclusiveOurs),
  ].join('\n');
}
