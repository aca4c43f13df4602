// The load generator: a separate process (so it never shares an event loop with the server it
// measures) driven by JSON lines on stdin, answering with progress and result lines on stdout.
// Open-loop runs send on a fixed schedule and time each request from its *intended* start, so a
// stalled server shows up as latency instead of silently lowering the offered rate
// (coordinated omission); closed-loop runs keep N requests in flight to find the maximum rate.
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import * as hdr from 'hdr-histogram-js';
import { buildRequests, type PayloadKind, type RequestShape, type Target } from './payloads.js';
import { seededRandom, zipfSampler } from './zipf.js';

export interface LoadSpec {
  id: string;
  target: Target;
  payload: PayloadKind;
  fingerprints: number;
  zipfS: number;
  seed: number;
  /** Send exactly these variants, one request each, instead of Zipf sampling. */
  sequence?: number[];
  /** Variants Zipf sampling must not pick (e.g. the "new" ones before their phase). */
  exclude?: number[];
  /** Stop after this many requests. */
  maxRequests?: number;
  mode: 'open' | 'closed';
  /** open: requests per second. */
  rate?: number;
  /** closed: requests kept in flight. */
  concurrency?: number;
  durationMs: number;
  connections: number;
  /** Keep [eventId, acceptedAtMs, variant] of every accepted request (latency phases). */
  collectIds?: boolean;
  /** After durationMs, wait at most this long for requests still in flight. */
  drainMs?: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  type: 'result';
  id: string;
  payload: PayloadKind;
  mode: 'open' | 'closed';
  offeredRate: number | null;
  durationMs: number;
  sent: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  /** X-Sentry-Error (or the error code) of the first failed request. */
  firstError: string | null;
  acceptedPerSec: number;
  /** Milliseconds, accepted requests only, from the intended send time (open loop). */
  latencyMs: LatencySummary;
  bodyBytes: number;
  eventBytes: number;
  accepted?: Array<[string, number, number]>;
}

export interface LoadProgress {
  type: 'progress';
  id: string;
  elapsedMs: number;
  sent: number;
  ok: number;
  failed: number;
}

const PROGRESS_MS = 500;

const shapes = new Map<string, RequestShape>();
function shapeFor(spec: LoadSpec): RequestShape {
  const key = `${spec.payload}|${spec.target.origin}|${spec.target.projectId}|${spec.target.publicKey}|${spec.fingerprints}`;
  let s = shapes.get(key);
  if (!s) shapes.set(key, (s = buildRequests(spec.payload, spec.target, spec.fingerprints)));
  return s;
}

export async function runLoad(spec: LoadSpec, onProgress: (p: LoadProgress) => void): Promise<LoadResult> {
  const shape = shapeFor(spec);
  const pool = new Pool(spec.target.origin, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const statuses: Record<string, number> = {};
  const accepted: Array<[string, number, number]> = [];
  const pick = spec.sequence
    ? sequencePicker(spec.sequence)
    : excluding(zipfSampler(spec.fingerprints, spec.zipfS, seededRandom(spec.seed)), spec.exclude ?? []);
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | null = null;
  const inflight = new Set<Promise<void>>();

  const send = (intendedStart: number): Promise<void> => {
    const variant = pick();
    sent++;
    const p = pool
      .request({ path: shape.path, method: 'POST', headers: shape.headers, body: shape.body(variant, Date.now()) })
      .then(async ({ statusCode, headers, body }) => {
        const text = spec.collectIds && statusCode === 200 ? await body.text() : (await body.dump(), '');
        const done = performance.now();
        statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
        if (statusCode !== 200) {
          firstError ??= `${statusCode} ${String(headers['x-sentry-error'] ?? '')}`;
          return void failed++;
        }
        ok++;
        histogram.recordValue(Math.max(1, Math.round((done - intendedStart) * 1000)));
        if (spec.collectIds) {
          const id = (JSON.parse(text) as { id?: string }).id;
          if (id) accepted.push([id, performance.timeOrigin + done, variant]);
        }
      })
      .catch((err: unknown) => {
        failed++;
        const code = (err as { code?: string }).code ?? 'error';
        statuses[code] = (statuses[code] ?? 0) + 1;
        firstError ??= `${code} ${(err as Error).message}`;
      });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    return p;
  };

  const t0 = performance.now();
  const progress = setInterval(
    () => onProgress({ type: 'progress', id: spec.id, elapsedMs: performance.now() - t0, sent, ok, failed }),
    PROGRESS_MS,
  );
  const total = spec.maxRequests ?? spec.sequence?.length ?? Number.POSITIVE_INFINITY;
  if (spec.mode === 'open') await openLoop(spec.rate ?? 1, spec.durationMs, total, send);
  else
    await closedLoop(
      spec.concurrency ?? 1,
      spec.durationMs,
      total,
      () => send(performance.now()),
      () => sent,
    );
  const sendEnd = performance.now();
  await Promise.race([Promise.allSettled([...inflight]), sleep(spec.drainMs ?? 15_000)]);
  clearInterval(progress);
  const unfinished = inflight.size;
  if (unfinished > 0) {
    statuses.unfinished = unfinished;
    failed += unfinished;
  }
  await pool.destroy().catch(() => {});
  const durationMs = spec.mode === 'open' ? Math.min(spec.durationMs, sendEnd - t0) : performance.now() - t0;
  return {
    type: 'result',
    id: spec.id,
    payload: spec.payload,
    mode: spec.mode,
    offeredRate: spec.mode === 'open' ? (spec.rate ?? null) : null,
    durationMs,
    sent,
    ok,
    failed,
    statuses,
    firstError,
    acceptedPerSec: ok / (durationMs / 1000),
    latencyMs: summarize(histogram),
    bodyBytes: shape.bodies[0]!.length,
    eventBytes: shape.eventBytes,
    ...(spec.collectIds ? { accepted } : {}),
  };
}

/** Starts request i at t0 + i/rate; checks the schedule every millisecond. */
async function openLoop(
  rate: number,
  durationMs: number,
  total: number,
  send: (intended: number) => Promise<void>,
): Promise<void> {
  const interval = 1000 / rate;
  const t0 = performance.now();
  let i = 0;
  while (i < total && i * interval < durationMs) {
    const now = performance.now();
    while (i < total && i * interval < durationMs && t0 + i * interval <= now) {
      void send(t0 + i * interval);
      i++;
    }
    await sleep(1);
  }
}

async function closedLoop(
  concurrency: number,
  durationMs: number,
  total: number,
  send: () => Promise<void>,
  sent: () => number,
): Promise<void> {
  const end = performance.now() + durationMs;
  const lane = async () => {
    while (performance.now() < end && sent() < total) await send();
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

function excluding(sample: () => number, exclude: number[]): () => number {
  if (exclude.length === 0) return sample;
  const skip = new Set(exclude);
  return () => {
    for (;;) {
      const v = sample();
      if (!skip.has(v)) return v;
    }
  };
}

function sequencePicker(sequence: number[]): () => number {
  let i = 0;
  return () => sequence[i++ % sequence.length]!;
}

function summarize(h: hdr.Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function write(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rl = createInterface({ input: process.stdin });
  let queue: Promise<void> = Promise.resolve();
  rl.on('line', (line) => {
    const spec = JSON.parse(line) as LoadSpec;
    queue = queue.then(() =>
      runLoad(spec, write).then(write, (err: unknown) =>
        write({ type: 'error', id: spec.id, message: String((err as Error).stack ?? err) }),
      ),
    );
  });
  rl.on('close', () => void queue.then(() => process.exit(0)));
}
