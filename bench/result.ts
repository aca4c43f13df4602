// The shape of bench/results/<timestamp>.json (documented column by column in
// bench/results/README.md). The smoke test parses a quick run's file with this schema.
import { z } from 'zod';

const num = z.number().finite();
const maybe = num.nullable();

export const latencySummarySchema = z.object({ p50: num, p90: num, p99: num, p999: num, max: num, mean: num });

export const ingestRateSchema = z.object({
  offeredPerSec: num,
  acceptedPerSec: num,
  failed: num,
  latencyMs: latencySummarySchema,
  koaLatencyMs: latencySummarySchema.nullable(),
});

export const ingestPayloadSchema = z.object({
  payload: z.enum(['envelope', 'store', 'large']),
  eventBytes: num,
  bodyBytes: num,
  maxAcceptedPerSec: num,
  koaMaxPerSec: num,
  ratioToKoa: num,
  rates: z.array(ingestRateSchema),
});

export const sustainedSchema = z.object({
  mode: z.enum(['all-in-one', 'split']),
  payload: z.enum(['envelope', 'store', 'large']),
  offeredPerSec: num,
  acceptedPerSec: num,
  processedPerSec: num,
  durationSec: num,
  backlogAtEnd: num,
  sustained: z.boolean(),
  newIssues: num,
  ingestLatencyMs: latencySummarySchema,
  pgBaselineRowsPerSec: maybe,
  ratioToPgBaseline: maybe,
  probes: z.array(z.object({ offeredPerSec: num, processedPerSec: num, backlogAtEnd: num, sustained: z.boolean() })),
});

export const visibilitySchema = z.object({
  samples: num,
  missing: num,
  p50: maybe,
  p95: maybe,
  p99: maybe,
  note: z.string().nullable(),
});

/** Read path (bench/read-phase.ts): warm latency of the API a person clicks on the seeded project. */
export const readPathSchema = z.object({
  database: z.string(),
  events: num,
  issues: num,
  releases: num,
  fingerprints: num,
  seededAt: z.string(),
  /** Seconds the seed took in this run; null when a kept database was reused. */
  seedSeconds: maybe,
  reused: z.boolean(),
  endpoints: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      requests: num,
      p50: num,
      p95: num,
      max: num,
      /** CPU ms per request of the API process and of the database's Postgres backends (/proc). */
      cpuMsPerRequest: z.object({ api: num, postgres: num }).optional(), // absent in the first runs' files
    }),
  ),
});

/** Scale-out (bench/scale-out-phase.ts): the worker role alone draining a backlog, 1..k processes. */
export const scaleOutSchema = z.object({
  backlogEvents: num,
  rounds: z.array(
    z.object({ workers: num, events: num, seconds: num, eventsPerSec: num, cpuMsPerEvent: z.record(z.string(), num) }),
  ),
});

export const benchResultSchema = z.object({
  version: z.literal(1),
  command: z.string(),
  quick: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationSec: num,
  machine: z.object({
    cpus: num,
    cpuModel: z.string(),
    memBytes: num,
    node: z.string(),
    postgres: z.string(),
    redis: z.string(),
    loadAvgAtStart: z.array(num),
  }),
  launcher: z.enum(['dist', 'tsx']),
  settings: z.record(z.string(), z.union([num, z.string(), z.boolean(), z.array(num)])),
  ingest: z.array(ingestPayloadSchema),
  pgBaseline: z.array(z.object({ payload: z.enum(['envelope', 'store', 'large']), rowsPerSec: num, bytesPerRow: num })),
  pipeline: z.object({
    redisBytesPerQueuedEvent: maybe,
    queuedEvents: num,
    drain: z
      .object({
        mode: z.literal('split'),
        events: num,
        seconds: num,
        eventsPerSec: num,
        groupingCacheHitRate: maybe.optional(),
      })
      .nullable(),
    sustained: z.array(sustainedSchema),
    burst: z
      .object({
        mode: z.enum(['all-in-one', 'split']),
        offeredPerSec: num,
        burstSec: num,
        peakBacklog: num,
        drainSec: maybe,
        withinTwiceBurst: z.boolean(),
      })
      .nullable(),
  }),
  visibility: z
    .object({
      mode: z.enum(['all-in-one', 'split']),
      ratePerSec: num,
      targetRatePerSec: num,
      durationSec: num,
      api: visibilitySchema,
      stream: visibilitySchema,
    })
    .nullable(),
  memory: z.array(z.object({ process: z.string(), idleBytes: maybe, loadBytes: maybe })),
  storage: z
    .object({ events: num, eventsBytes: num, issueTablesBytes: num, bytesPerEvent: num, pgBaselineBytesPerRow: maybe })
    .nullable(),
  cpu: z.array(z.object({ phase: z.string(), events: num, msPerEvent: z.record(z.string(), num) })),
  // Results written before these phases existed have neither.
  readPath: readPathSchema.nullable().default(null),
  scaleOut: scaleOutSchema.nullable().default(null),
  targets: z.array(
    z.object({ name: z.string(), target: z.string(), measured: z.string(), met: z.boolean().nullable() }),
  ),
  errors: z.array(z.string()),
});

export type BenchResult = z.infer<typeof benchResultSchema>;
export type IngestPayloadResult = z.infer<typeof ingestPayloadSchema>;
export type SustainedResult = z.infer<typeof sustainedSchema>;
export type VisibilityResult = z.infer<typeof visibilitySchema>;
