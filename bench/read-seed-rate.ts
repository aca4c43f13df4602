// `npx tsx bench/read-seed-rate.ts [events] [batch] [inFlight] [processes]`: how fast the read-path seed
// stores events through processBatch, and where the time goes. Creates a throwaway database,
// stores the first N events of the seed (default 20,000), prints events/s and the seconds each
// pipeline step took in total (steps of batches in flight overlap), then drops the database.
import { createReadSeedDatabase, SEED_TUNING, storeReadEvents } from './read-seed.js';
import { readFileSync } from 'node:fs';
import { cpuMeter, postgresGroup } from './cpu.js';

const [events = 20_000, batch = SEED_TUNING.batch, inFlight = SEED_TUNING.inFlight, processes = SEED_TUNING.processes] =
  process.argv.slice(2).map((a) => Number(a));
const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const name = `faultline_benchread_rate_${Date.now()}`;
const seed = await createReadSeedDatabase(adminUrl, name, { events, fingerprints: 20_000, releases: 200 }, new Date());
const steps = new Map<string, number>();
const timer = (step: string, seconds: number) => steps.set(step, (steps.get(step) ?? 0) + seconds);
try {
  const meter = cpuMeter([
    { name: 'seeder', pids: () => [process.pid, ...children()] },
    postgresGroup(seed.db.pool, name),
  ]);
  const t0 = performance.now();
  await storeReadEvents(
    seed,
    events,
    { redisUrl, redisPrefix: `${name}:` },
    { batch, inFlight, processes, timer },
    () => {},
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = await meter.stop();
  console.log(
    `${events} events, batch ${batch}, ${inFlight} in flight, ${processes} processes: ${seconds.toFixed(1)} s, ${(events / seconds).toFixed(0)} events/s; ` +
      `CPU ms/event: seeder ${(cpu.seeder! / events).toFixed(2)}, postgres ${(cpu.postgres! / events).toFixed(2)}`,
  );
  for (const [step, s] of [...steps].sort((a, b) => b[1] - a[1]))
    console.log(`  ${step.padEnd(14)} ${s.toFixed(1)} s  ${((s / events) * 1000).toFixed(2)} ms/event`);
} finally {
  await seed.db.drop();
}

/** The seeding processes (this process's children; sampled each second, so their last second is missed). */
function children(): number[] {
  try {
    return readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
      .split(' ')
      .filter((p) => p.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}
