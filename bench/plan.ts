// How long and how hard each phase runs: the full plan (about 10 minutes on 2 cores, plus the
// read path's one-time seed of a million events) and the
// quick plan (a smoke run of a minute or two), and the shared state the phases work with.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ProcessJob } from '../server/src/shared/queues.js';
import type { BenchDatabase } from './database.js';
import { cpuMeter, postgresGroup, redisGroup, type CpuGroup } from './cpu.js';
import type { LoadGenerator, Proc } from './processes.js';
import type { PayloadKind, Target } from './payloads.js';

export interface Plan {
  /** Closed-loop run that finds the maximum accepted rate, per payload. */
  ingestMaxMs: number;
  /** Unrecorded closed-loop run before each payload's measurements. */
  warmupMs: number;
  ingestConcurrency: number;
  /** Open-loop runs at these fractions of the maximum, per payload. */
  ingestRateFractions: number[];
  ingestRateMs: number;
  connections: number;
  /** Jobs queued with the worker stopped: Redis bytes per job, then the split worker's drain. */
  queuedEvents: number;
  fingerprints: number;
  zipfS: number;
  newFraction: number;
  probeMs: number;
  maxProbes: number;
  sustainMs: number;
  /** 50 KB events: sustained run length (0 skips it). */
  largeSustainMs: number;
  burstMs: number;
  burstFactor: number;
  drainTimeoutMs: number;
  latencyRate: number;
  latencyMs: number;
  apiPollMs: number;
  pgBaselineMs: number;
  pgBatchSize: number;
  idleSettleMs: number;
  /** Also run a sustained run in split mode (ingest + worker processes). */
  splitSustain: boolean;
  /** Read path: events seeded through the worker's batch path (`--read-events=N` overrides). */
  readEvents: number;
  /** Distinct fingerprints (Zipf) of the seed: about as many issues at 1,000,000 events. */
  readFingerprints: number;
  readReleases: number;
  /** Unrecorded, then timed requests per endpoint (one at a time). */
  readWarmup: number;
  readRequests: number;
  /** Scale-out: the backlog each round drains, and the worker processes per round. */
  scaleOutEvents: number;
  scaleOutWorkers: number[];
}

export const FULL_PLAN: Plan = {
  ingestMaxMs: 5_000,
  warmupMs: 2_000,
  ingestConcurrency: 64,
  ingestRateFractions: [0.25, 0.5, 0.75],
  ingestRateMs: 5_000,
  connections: 32,
  queuedEvents: 30_000,
  fingerprints: 200,
  zipfS: 1.0,
  newFraction: 0.1,
  probeMs: 8_000,
  maxProbes: 3,
  sustainMs: 60_000,
  largeSustainMs: 60_000,
  burstMs: 10_000,
  burstFactor: 3,
  drainTimeoutMs: 90_000,
  latencyRate: 2_000,
  latencyMs: 20_000,
  apiPollMs: 20,
  pgBaselineMs: 5_000,
  pgBatchSize: 500,
  idleSettleMs: 5_000,
  splitSustain: true,
  readEvents: 1_000_000,
  readFingerprints: 20_000,
  readReleases: 200,
  readWarmup: 5,
  readRequests: 40,
  scaleOutEvents: 20_000,
  scaleOutWorkers: [1, 2, 3],
};

export const QUICK_PLAN: Plan = {
  ...FULL_PLAN,
  ingestMaxMs: 1_000,
  warmupMs: 300,
  ingestRateFractions: [0.5],
  ingestRateMs: 1_000,
  queuedEvents: 1_000,
  probeMs: 1_500,
  maxProbes: 1,
  sustainMs: 2_000,
  largeSustainMs: 1_500,
  burstMs: 1_000,
  drainTimeoutMs: 30_000,
  latencyRate: 200,
  latencyMs: 2_000,
  pgBaselineMs: 500,
  pgBatchSize: 50,
  idleSettleMs: 500,
  splitSustain: false,
  readEvents: 2_000,
  readFingerprints: 100,
  readReleases: 10,
  readWarmup: 1,
  readRequests: 3,
  scaleOutEvents: 300,
};

export interface BenchContext {
  plan: Plan;
  db: BenchDatabase;
  redis: Redis;
  redisPrefix: string;
  queue: Queue<ProcessJob>;
  load: LoadGenerator;
  /** Environment every Faultline process gets (database, Redis prefix, log level). */
  env: Record<string, string>;
  /** Directory for --cpu-prof output, when profiling. */
  cpuProfDir?: string;
  errors: string[];
  /** CPU milliseconds per event, per process, of the phases that measure it. */
  cpu: CpuRecord[];
  log: (msg: string) => void;
}

export interface CpuRecord {
  phase: string;
  events: number;
  msPerEvent: Record<string, number>;
}

/**
 * Runs `fn` while metering the CPU of `procs`, the benchmark database's Postgres backends, Redis
 * and the load generator; records milliseconds per event (`events` of the result).
 */
export async function withCpu<T>(
  ctx: BenchContext,
  phase: string,
  procs: Proc[],
  fn: () => Promise<T>,
  events: (r: T) => number,
): Promise<T> {
  const groups: CpuGroup[] = [...procs, ctx.load].map((p) => ({ name: p.name, pids: () => [p.pid] }));
  groups.push(postgresGroup(ctx.db.pool, ctx.db.name), redisGroup());
  const meter = cpuMeter(groups);
  const result = await fn();
  const ms = await meter.stop();
  const n = events(result);
  if (n > 0)
    ctx.cpu.push({ phase, events: n, msPerEvent: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / n])) });
  return result;
}

export function targetOf(ctx: BenchContext, origin: string): Target {
  return { origin, projectId: ctx.db.project.projectId, publicKey: ctx.db.project.publicKey };
}

let specCounter = 0;
export function specId(kind: PayloadKind | 'seed'): string {
  return `${kind}-${++specCounter}`;
}
