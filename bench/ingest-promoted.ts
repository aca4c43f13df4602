// `npx tsx bench/ingest-promoted.ts [rate] [seconds]`: where ingest's promoted garbage comes from.
// Runs ROLE=ingest in this process (the inspector samples only its own heap) under an open loop of
// typical envelopes, with the queue emptied every 200 ms in place of a worker, and samples the
// allocations that outlived the young generation but not the old one (V8's sampling heap profiler
// with objects collected by major GCs kept and those of scavenges left out). Prints the allocation
// sites by share of those bytes, each with its two callers.
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../server/src/config.js';
import { start } from '../server/src/main.js';
import { freePort } from './processes.js';
import { openRig } from './rig.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const [, , rateArg = '2600', secondsArg = '8'] = process.argv;
const rig = await openRig(`promoted_${process.pid}`);
const port = await freePort();
const running = await start(loadConfig(rig.env({ ROLE: 'ingest', PORT: String(port), HOST: '127.0.0.1' })));
try {
  const spec = rig.spec({ port });
  await rig.load.run({ ...spec, mode: 'closed', concurrency: 64, durationMs: 2000 }); // warm-up
  await rig.queue.drain(true);
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: false,
  } as unknown as Parameters<typeof session.post>[1]);
  const sweeper = setInterval(() => void rig.queue.drain(true), 200);
  await rig.load.run({ ...spec, mode: 'open', rate: Number(rateArg), durationMs: Number(secondsArg) * 1000 });
  clearInterval(sweeper);
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  session.disconnect();
  const bySite = new Map<string, number>();
  let total = 0;
  const name = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*node_modules\//, '').replace(/^.*?\/(server|ingest)\//, '$1/')}:${n.callFrame.lineNumber}`;
  const walk = (n: ProfileNode, callers: string[]) => {
    total += n.selfSize;
    const site = [name(n), ...callers].join(' < ');
    if (n.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
    for (const c of n.children) walk(c, [name(n), ...callers].slice(0, 2));
  };
  walk(profile.head, []);
  process.stdout.write(`sampled ${Math.round(total / 2 ** 20)} MB that died in major GCs; by allocation site:\n`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 12))
    process.stdout.write(`${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${site}\n`);
} finally {
  await running.stop();
  await rig.close();
}
process.exit(0);
