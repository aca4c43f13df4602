// `npx tsx bench/ingest-linger.ts [rate] [windows]`: the ingest process alone (no worker) at a
// fixed open-loop rate of typical envelopes, once per INGEST_LINGER_MS window (e.g. `1300 1,5,10`):
// events per queue job, CPU ms per accepted event of ingest and of the whole Redis server, and the
// latency percentiles (Redis' figure includes emptying the queue, which no worker does here). Two
// 6-second runs per window after a warm-up.
import { cpuMeter, perEvent, redisGroup } from './cpu.js';
import { buildDist, startFaultline } from './processes.js';
import { openRig } from './rig.js';

const [, , rateArg = '1300', windowsArg = '1,5'] = process.argv;
const rate = Number(rateArg);
const windows = windowsArg.split(',').map(Number);
await buildDist();
const { load, queue, env, spec: rigSpec, close } = await openRig(`linger_${process.pid}`);
try {
  for (const linger of windows) {
    const ingest = await startFaultline('ingest', env({ INGEST_LINGER_MS: String(linger) }));
    const spec = rigSpec(ingest);
    await load.run({ ...spec, mode: 'closed', concurrency: 64, durationMs: 2000 }); // warm-up
    await queue.drain(true);
    for (let i = 0; i < 2; i++) {
      // Jobs are counted and removed every 200 ms, so the queue never reaches the flood lane's
      // backlog (FLOOD_LANE_MIN_BACKLOG), past which ingest parses every event: as with a worker.
      let jobs = 0;
      let sweeping = Promise.resolve();
      const sweep = () =>
        (sweeping = sweeping.then(async () => {
          const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed');
          jobs += Object.values(counts).reduce((a, b) => a + b, 0);
          await queue.drain(true);
        }));
      const sweeper = setInterval(() => void sweep(), 200);
      const meter = cpuMeter([{ name: 'ingest', pids: () => [ingest.pid] }, redisGroup()]);
      const r = await load.run({ ...spec, mode: 'open', rate, durationMs: 6000 });
      const ms = await meter.stop();
      clearInterval(sweeper);
      await sweep();
      const cpu = perEvent(ms, r.ok);
      process.stdout.write(
        `linger ${linger} ms at ${rate}/s: ${(r.ok / Math.max(1, jobs)).toFixed(1)} events per job; ` +
          `CPU ms per event: ${cpu}; p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, failed ${r.failed}\n`,
      );
    }
    await ingest.stop();
  }
} finally {
  await close();
}
process.exit(0);
