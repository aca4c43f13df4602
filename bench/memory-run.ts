// `npx tsx bench/memory-run.ts [envelope|large] [seconds]`: memory of the all-in-one process under
// load. A closed loop of 64 connections sends events to ROLE=all for the given seconds, then waits
// until they are processed; prints the CPU ms per event, the largest RSS and the largest heap
// figures of its /metrics. EXTRA_ENV (JSON) adds environment (e.g. {"WORKER_CONCURRENCY":"32"}),
// BENCH_NODE_ARGS node options.
import { cpuMeter } from './cpu.js';
import { processedEvents } from './database.js';
import type { PayloadKind } from './payloads.js';
import { buildDist, rssSampler, startFaultline } from './processes.js';
import { openRig } from './rig.js';

const [, , payloadArg = 'large', secondsArg = '30'] = process.argv;
await buildDist();
const { db, load, env: rigEnv, spec, close } = await openRig(`rss_${process.pid}`);
const env = rigEnv(JSON.parse(process.env.EXTRA_ENV ?? '{}') as Record<string, string>);
try {
  const all = await startFaultline('all', env, {
    nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  });
  await new Promise((r) => setTimeout(r, 3000));
  const sampler = rssSampler([all]);
  const meter = cpuMeter([{ name: 'all', pids: () => [all.pid] }]);
  const maxes: Record<string, number> = {};
  let polling = true;
  const poll = (async () => {
    while (polling) {
      try {
        const text = await (await fetch(`http://127.0.0.1:${all.port}/metrics`)).text();
        for (const m of text.matchAll(
          /^faultline_nodejs_(heap_size_total_bytes|heap_size_used_bytes|external_memory_bytes|heap_space_size_total_bytes\{space="(?:old|new|large_object)"\}) (\d+)/gm,
        ))
          maxes[m[1]!] = Math.max(maxes[m[1]!] ?? 0, Number(m[2]));
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const r = await load.run({
    ...spec(all, payloadArg as PayloadKind),
    mode: 'closed',
    concurrency: 64,
    durationMs: Number(secondsArg) * 1000,
  });
  const t0 = performance.now();
  while ((await processedEvents(db.pool)) < r.ok && performance.now() - t0 < 120_000)
    await new Promise((res) => setTimeout(res, 100));
  const ms = await meter.stop();
  polling = false;
  await poll;
  process.stdout.write(
    Object.entries(maxes)
      .map(([k, v]) => `${k} ${Math.round(v / 2 ** 20)}`)
      .join('; ') + '\n',
  );
  const rss = sampler.take();
  process.stdout.write(
    `accepted ${r.ok}; processed ${await processedEvents(db.pool)}; CPU ms/event ${(ms.all! / r.ok).toFixed(3)}; max RSS ${Math.round(rss['faultline-all']! / 2 ** 20)} MB\n`,
  );
  sampler.stop();
  await all.stop();
} finally {
  await close();
}
process.exit(0);
