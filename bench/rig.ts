// What the single-process bench scripts (profile-run, memory-run, ingest-linger) set up and tear
// down alike: a throwaway database with one project, a fresh Redis prefix, the load generator and
// a handle on the process-event queue.
import type { Queue } from 'bullmq';
import { createRedis } from '../server/src/shared/redis.js';
import { bullPrefix, createProcessQueue, type ProcessJob } from '../server/src/shared/queues.js';
import { createBenchDatabase, type BenchDatabase } from './database.js';
import type { LoadSpec } from './load.js';
import type { PayloadKind, Target } from './payloads.js';
import { faultlineEnv, startLoadGenerator, type LoadGenerator, type Proc } from './processes.js';
import { deleteKeys } from './redis-keys.js';

export interface Rig {
  db: BenchDatabase;
  load: LoadGenerator;
  queue: Queue<ProcessJob>;
  /** Faultline's environment for this database and prefix (faultlineEnv); `extra` adds or overrides. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** The load generator's target: a Faultline process of this rig (startFaultline), or its port. */
  target(proc: Pick<Proc, 'port'>): Target;
  /**
   * What the scripts' load runs share: `payload` bodies against `proc`, Zipf-sampled over the 200
   * benchmark variants (seed 1), 64 connections; a run adds its mode, rate or concurrency and length.
   */
  spec(proc: Pick<Proc, 'port'>, payload?: PayloadKind): Omit<LoadSpec, 'mode' | 'durationMs'>;
  /** Stops the load generator, removes the prefix's keys and drops the database. */
  close(): Promise<void>;
}

/** BENCH_DATABASE_URL (an admin connection) and REDIS_URL as the other bench scripts read them. */
export async function openRig(tag: string): Promise<Rig> {
  const db = await createBenchDatabase(
    process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    `faultline_bench_${tag}`,
  );
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `faultline-bench-${tag}`;
  const load = startLoadGenerator();
  const queueRedis = createRedis(redisUrl, { maxRetriesPerRequest: null });
  const queue = createProcessQueue(queueRedis, prefix);
  const target = (proc: Pick<Proc, 'port'>): Target => ({
    origin: `http://127.0.0.1:${proc.port ?? 0}`,
    projectId: db.project.projectId,
    publicKey: db.project.publicKey,
  });
  return {
    db,
    load,
    queue,
    env: (extra = {}) => faultlineEnv({ databaseUrl: db.url, redisUrl, redisPrefix: prefix }, extra),
    target,
    spec: (proc, payload = 'envelope') => ({
      id: tag,
      target: target(proc),
      payload,
      fingerprints: 200,
      zipfS: 1,
      seed: 1,
      connections: 64,
    }),
    async close() {
      await load.stop();
      await queue.close();
      queueRedis.disconnect(); // the queue's connection is ours, not BullMQ's to close
      const redis = createRedis(redisUrl);
      await deleteKeys(redis, [`${bullPrefix(prefix)}*`, `${prefix}:*`]);
      redis.disconnect();
      await db.drop();
    },
  };
}
