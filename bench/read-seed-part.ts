// A seeding process of the read-path seed (read-seed.ts forks one per SeedTuning.processes): gets
// its share of the events as one IPC message, stores them through processBatch with worker deps of
// its own, reports progress, then the step timings if asked, and exits.
import { storeShare, type SeedShare, type SeedSpec, type SeedTuning } from './read-seed.js';

interface PartTask {
  seed: SeedSpec;
  env: { redisUrl: string; redisPrefix: string };
  tuning: Omit<SeedTuning, 'timer'>;
  timed: boolean;
  range: { from: number; to: number };
  share: SeedShare;
}

const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));

// The seeder went away (interrupted): stop rather than keep seeding a database nobody completes.
process.once('disconnect', () => process.exit(1));

process.once('message', (task: PartTask) => {
  const steps = new Map<string, number>();
  const timer = (step: string, s: number) => steps.set(step, (steps.get(step) ?? 0) + s);
  storeShare(task.seed, task.env, { ...task.tuning, ...(task.timed ? { timer } : {}) }, task.range, task.share, (n) =>
    process.send!({ stored: n }),
  )
    .then(() => send({ done: true, steps: [...steps] }))
    .then(() => process.exit(0))
    .catch(async (err: unknown) => {
      await send({ error: (err as Error).stack ?? String(err) });
      process.exit(1);
    });
});
