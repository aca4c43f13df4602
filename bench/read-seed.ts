// The read-path phase's project: N events (1,000,000 in the full plan) over ~20,000 issues, 200
// releases, rolling deploys across 40 hosts and realistic tags, stored THROUGH THE WORKER'S OWN
// BATCH PATH (processBatch, called in-process with large batches), then triaged and given
// deploys through the real HTTP API. Seeding a million events takes long, so the database is kept
// (faultline_benchread_<N>_v<SEED_VERSION>) and reused by later runs: migrations are append-only,
// so a kept database is migrated forward (new indexes apply in place); one whose migration ledger
// no longer matches the files (migrate refuses it) or whose seed never completed is seeded again.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../server/src/config.js';
import { createLogger } from '../server/src/shared/log.js';
import { createPool, type Pool } from '../server/src/db/pool.js';
import { migrate } from '../server/src/db/migrate.js';
import { createRedis } from '../server/src/shared/redis.js';
import { processBatch } from '../server/src/pipeline/process-event.js';
import { ensureEventPartitions } from '../server/src/events/queries.js';
import { createPipeline } from '../server/src/pipeline/pipeline.js';
import { createAlertState } from '../server/src/alerts/state.js';
import type { StepTimer } from '../server/src/pipeline/steps.js';
import type { EventJob } from '../server/src/shared/queues.js';
import type { CreatedProject } from '../test/helpers/factories.js';
import { createBenchDatabase, type BenchDatabase } from './database.js';
import { typicalEnvelopeParts, variantEvent } from './payloads.js';
import { seededRandom, zipfSampler } from './zipf.js';

/** Bump when the generated data changes shape, so kept databases are seeded again. */
const SEED_VERSION = 1;
const SPAN_MS = 14 * 86_400_000; // events spread over the two weeks before the seed
const HOSTS = 40;
const ROLLOUT_MS = 20 * 60_000; // a release reaches host h at its start + h/HOSTS of this
const USERS = 30_000;
const ROUTES = 30;
const URL_IDS = 500;
const BATCH = 500; // events per processBatch call (WORKER_BATCH_SIZE's default)
const ATTEMPTS = 3; // a failed event is retried, as BullMQ retries its job
const IN_FLIGHT = 2; // as the worker: one batch committing while the next is prepared
const PROCESSES = 2; // seeding processes, as two worker processes (each uses a core of its own)
const TRIAGE_AT = 0.9; // triage after 90% of the events: the rest may regress resolved issues
const DEPLOYS = 5; // the newest releases get a production deploy each
const BULK_IDS = 100;
/** After-commit steps that store nothing; the seed leaves them out. */
const SKIPPED_STEPS = new Set(['publish', 'notify']);

export interface ReadSeedShape {
  events: number;
  fingerprints: number;
  releases: number;
}

export interface ReadSeed {
  db: BenchDatabase;
  shape: ReadSeedShape;
  seededAt: Date;
  /** Seconds the seed took in this run; null when a kept database was reused. */
  seedSeconds: number | null;
  /** Seed span: [start, end] of the events' timestamps (ms). */
  startMs: number;
  endMs: number;
}

/** What an API call needs; the seeder triages and records deploys through it. */
export interface ApiClient {
  origin: string;
  token: string;
}

export function readSeedName(shape: ReadSeedShape): string {
  return `faultline_benchread_${shape.events}_${shape.fingerprints}_${shape.releases}_v${SEED_VERSION}`;
}

export function releaseVersion(r: number): string {
  return `shop@2.${Math.floor(r / 10)}.${r % 10}`;
}

/**
 * Opens the kept seed database when it is complete and its ledger still matches the migrations
 * (migrating it forward), else null. Drops a half-seeded or mismatched one.
 */
export async function openReadSeed(
  adminUrl: string,
  name: string,
  log: (m: string) => void,
): Promise<(Omit<ReadSeed, 'seedSeconds'> & { seedSeconds: null }) | null> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]).finally(() => admin.end());
  if (exists.rowCount === 0) return null;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 4);
  const drop = dropper(adminUrl, name, pool);
  try {
    const info = await pool.query<{
      shape: ReadSeedShape;
      project: CreatedProject;
      token: string;
      seeded_at: Date;
      start_ms: string;
      end_ms: string;
      complete: boolean;
    }>('SELECT shape, project, token, seeded_at, start_ms, end_ms, complete FROM bench_seed');
    const row = info.rows[0];
    if (!row?.complete) throw new Error('the seed never completed');
    const applied = await migrate(pool);
    if (applied.length > 0) log(`kept seed ${name}: applied migrations ${applied.join(', ')}`);
    const db: BenchDatabase = { name, url: url.toString(), pool, project: row.project, apiToken: row.token, drop };
    return {
      db,
      shape: row.shape,
      seededAt: row.seeded_at,
      seedSeconds: null,
      startMs: Number(row.start_ms),
      endMs: Number(row.end_ms),
    };
  } catch (err) {
    log(`kept seed ${name} is not usable (${(err as Error).message}): seeding it again`);
    await drop();
    return null;
  }
}

function dropper(adminUrl: string, name: string, pool: Pool): () => Promise<void> {
  return async () => {
    await pool.end().catch(() => {});
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end()); // name is ours: [a-z0-9_]
  };
}

/** Creates the database (migrated, one project, an API token) and its bench_seed row. */
export async function createReadSeedDatabase(
  adminUrl: string,
  name: string,
  shape: ReadSeedShape,
  now: Date,
): Promise<Omit<ReadSeed, 'seedSeconds'>> {
  const db = await createBenchDatabase(adminUrl, name);
  const endMs = now.getTime() - 60_000;
  const startMs = endMs - SPAN_MS;
  await db.pool.query(`CREATE TABLE bench_seed (shape jsonb NOT NULL, project jsonb NOT NULL, token text NOT NULL,
    seeded_at timestamptz NOT NULL, start_ms bigint NOT NULL, end_ms bigint NOT NULL, complete boolean NOT NULL)`);
  await db.pool.query('INSERT INTO bench_seed VALUES ($1, $2, $3, $4, $5, $6, false)', [
    JSON.stringify(shape),
    JSON.stringify(db.project),
    db.apiToken,
    now,
    startMs,
    endMs,
  ]);
  return { db, shape, seededAt: now, startMs, endMs };
}

/** How the seed drives processBatch; the defaults are the seed's, the rate script varies them. */
export interface SeedTuning {
  /** Events per processBatch call. */
  batch: number;
  /** processBatch calls in flight at once, in each seeding process. */
  inFlight: number;
  /**
   * Seeding processes, each a worker of its own storing the events of a disjoint share of the
   * fingerprints (k mod processes): as worker processes share a queue, except that an issue's
   * events all go through one process, in order.
   */
  processes: number;
  /** Step timings (name, seconds), e.g. to see where the seed's time goes. */
  timer?: StepTimer;
}

export const SEED_TUNING: SeedTuning = { batch: BATCH, inFlight: IN_FLIGHT, processes: PROCESSES };

/** What a seeding process needs to know of the seed (sent to it as JSON). */
export interface SeedSpec {
  db: Pick<BenchDatabase, 'url' | 'project'>;
  shape: ReadSeedShape;
  startMs: number;
  endMs: number;
}

/** The share of the fingerprints one seeding process stores: those with k mod `of` = `index`. */
export interface SeedShare {
  index: number;
  of: number;
}

/** The worker's deps for the seed: its own pool and Redis, the worker's pipeline. */
function seedDeps(seed: SeedSpec, env: { redisUrl: string; redisPrefix: string }, tuning: SeedTuning) {
  const config = loadConfig({
    DATABASE_URL: seed.db.url,
    REDIS_URL: env.redisUrl,
    REDIS_PREFIX: env.redisPrefix,
    SPIKE_EVENTS_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
  });
  // A bulk load: a commit need not wait for its WAL flush (a crash loses the last commits, and an
  // incomplete seed is seeded again anyway); what is stored is the same.
  const url = new URL(seed.db.url);
  url.searchParams.set('options', '-c synchronous_commit=off');
  const pool = createPool(url.toString(), tuning.inFlight + 4);
  const redis = createRedis(env.redisUrl);
  const alerts = createAlertState(redis, config.redis.prefix, config.alerts);
  // Nobody listens to the seed's live stream and it has no alert rules: publish and notify are
  // left out (they store nothing); every step that stores runs as in the worker.
  const pipeline = createPipeline(config, {
    ...(tuning.timer ? { timer: tuning.timer } : {}),
    compose: (steps) => ({ ...steps, afterCommit: steps.afterCommit.filter((s) => !SKIPPED_STEPS.has(s.name)) }),
  });
  const deps = { pool, redis, config, alerts, pipeline, log: createLogger({ level: 'warn' }) };
  const close = async () => {
    await alerts.close();
    await pool.end();
    redis.disconnect();
  };
  return { deps, close };
}

/**
 * Stores events [from, to) of the seed whose fingerprint is in `share` through processBatch,
 * `tuning.inFlight` batches at a time. The events are taken in chronological rounds of
 * inFlight x batch; a round is split into one batch per lane by fingerprint, so batches in
 * flight never wait on each other's grouping locks (the same hash is locked until its batch
 * commits), and each issue still sees its events in order. The next round starts when the round
 * has committed. `progress` gets the number of events (of this share) stored so far.
 */
function eventStorer(
  seed: SeedSpec,
  deps: Parameters<typeof processBatch>[0],
  tuning: Pick<SeedTuning, 'batch' | 'inFlight'>,
  share: SeedShare,
  progress: (stored: number) => void,
): (from: number, to: number) => Promise<void> {
  const events = eventGenerator(seed);
  let stored = 0;
  return async (from, to) => {
    events.skipTo(from);
    for (let next = from; next < to;) {
      const lanes: EventJob[][] = Array.from({ length: tuning.inFlight }, () => []);
      for (let taken = 0; taken < tuning.batch * tuning.inFlight && next < to; next++) {
        const draw = events.draw(next);
        if (draw.k % share.of !== share.index) continue;
        lanes[Math.floor(draw.k / share.of) % tuning.inFlight]!.push(events.build(draw));
        taken++;
      }
      await Promise.all(lanes.filter((jobs) => jobs.length > 0).map((jobs) => storeBatch(deps, jobs)));
      stored += lanes.reduce((n, jobs) => n + jobs.length, 0);
      progress(stored);
    }
  };
}

/** A message from a seeding process to the seeder. */
type PartMessage = { stored: number } | { done: true; steps: Array<[string, number]> } | { error: string };

/**
 * Stores events [from, to) with `tuning.processes` seeding processes (read-seed-part.ts), each
 * over its share of the fingerprints; in this process when there is one.
 */
async function storeEvents(
  seed: SeedSpec,
  env: { redisUrl: string; redisPrefix: string },
  tuning: SeedTuning,
  range: { from: number; to: number },
  log: (m: string) => void,
): Promise<void> {
  const total = seed.shape.events;
  let reported = range.from;
  const stored = new Array<number>(tuning.processes).fill(0);
  const progress = (index: number, n: number) => {
    stored[index] = n;
    const at = range.from + stored.reduce((a, b) => a + b, 0);
    if (at - reported >= total / 10) {
      reported = at;
      log(`read seed: ${at.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events stored`);
    }
  };
  if (tuning.processes <= 1) {
    await storeShare(seed, env, tuning, range, { index: 0, of: 1 }, (n) => progress(0, n));
    return;
  }
  const script = fileURLToPath(new URL('./read-seed-part.ts', import.meta.url));
  const parts = Array.from({ length: tuning.processes }, (_, index) => {
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const done = new Promise<void>((resolve, reject) => {
      let failure: string | null = null;
      child.on('message', (m: PartMessage) => {
        if ('stored' in m) progress(index, m.stored);
        else if ('error' in m) failure = m.error;
        else for (const [step, s] of m.steps) tuning.timer?.(step, s);
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 && !failure
          ? resolve()
          : reject(new Error(`seeding process ${index} failed (exit ${code}): ${failure ?? 'no message'}`)),
      );
    });
    const { timer: _timer, ...rest } = tuning;
    // The seed's pool stays here: a seeding process opens its own.
    const spec: SeedSpec = {
      db: { url: seed.db.url, project: seed.db.project },
      shape: seed.shape,
      startMs: seed.startMs,
      endMs: seed.endMs,
    };
    child.send({
      seed: spec,
      env,
      tuning: rest,
      timed: tuning.timer !== undefined,
      range,
      share: { index, of: tuning.processes },
    });
    return { child, done };
  });
  try {
    await Promise.all(parts.map((p) => p.done));
  } finally {
    for (const p of parts) if (p.child.exitCode === null) p.child.kill();
  }
}

/** One seeding process's work: its share of events [from, to), through its own worker deps. */
export async function storeShare(
  seed: SeedSpec,
  env: { redisUrl: string; redisPrefix: string },
  tuning: SeedTuning,
  range: { from: number; to: number },
  share: SeedShare,
  progress: (stored: number) => void,
): Promise<void> {
  const { deps, close } = seedDeps(seed, env, tuning);
  try {
    await eventStorer(seed, deps, tuning, share, progress)(range.from, range.to);
  } finally {
    await close();
  }
}

/**
 * Stores the first `count` events of the seed and nothing else (no triage, deploys or vacuum):
 * what the rate script times.
 */
export async function storeReadEvents(
  seed: Omit<ReadSeed, 'seedSeconds'>,
  count: number,
  env: { redisUrl: string; redisPrefix: string },
  tuning: SeedTuning,
  log: (m: string) => void,
): Promise<void> {
  await createPartitions(seed);
  await storeEvents(seed, env, tuning, { from: 0, to: count }, log);
}

/**
 * Stores the events through processBatch (the worker's batch path), triages a share of the
 * issues and records deploys through the API, then vacuums and marks the seed complete.
 */
export async function seedReadEvents(
  seed: Omit<ReadSeed, 'seedSeconds'>,
  api: ApiClient,
  env: { redisUrl: string; redisPrefix: string },
  log: (m: string) => void,
  tuning: SeedTuning = SEED_TUNING,
): Promise<void> {
  const pool = seed.db.pool;
  await createPartitions(seed);
  const triageAt = Math.floor(seed.shape.events * TRIAGE_AT);
  await storeEvents(seed, env, tuning, { from: 0, to: triageAt }, log);
  await triage(pool, api, seed.db.project);
  await storeEvents(seed, env, tuning, { from: triageAt, to: seed.shape.events }, log);
  await recordDeploys(api, seed);
  log('read seed: VACUUM ANALYZE');
  await pool.query('VACUUM (ANALYZE)');
  await pool.query('UPDATE bench_seed SET complete = true');
}

/**
 * The span's daily partitions up front: two batches in flight that both meet a missing day race
 * to create it, and the loser's batch falls back to one event per transaction.
 */
async function createPartitions(seed: Omit<ReadSeed, 'seedSeconds'>): Promise<void> {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  await ensureEventPartitions(seed.db.pool, day(seed.startMs), day(seed.endMs + 86_400_000));
}

/** One batch through processBatch; events that failed (retryable) go again, as the worker's jobs would. */
async function storeBatch(deps: Parameters<typeof processBatch>[0], jobs: EventJob[]): Promise<void> {
  let pending = jobs;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const outcomes = await processBatch(deps, pending);
    const bad = outcomes.find((o) => o.kind !== 'stored' && (o.kind !== 'failed' || attempt >= ATTEMPTS));
    if (bad)
      throw new Error(
        `seeding: an event was not stored: ${JSON.stringify(bad, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`,
      );
    pending = pending.filter((_, n) => outcomes[n]!.kind === 'failed');
  }
}

/** The random draws of one event: which fingerprint, when, where and who. */
interface EventDraw {
  k: number;
  t: number;
  env: number;
  host: number;
  user: number;
  route: number;
  urlId: number;
  delay: number;
}

/**
 * Event number i (chronological): fingerprint from a Zipf distribution, release by host rollout.
 * `draw(i)` takes the event's random numbers (cheap; every seeding process draws every event, in
 * order, so all of them see the same sequence), `build` makes the job of a drawn event.
 */
function eventGenerator(seed: SeedSpec): {
  draw: (i: number) => EventDraw;
  skipTo: (i: number) => void;
  build: (d: EventDraw) => EventJob;
} {
  const { shape, startMs, endMs, db } = seed;
  const random = seededRandom(145);
  const fingerprint = zipfSampler(shape.fingerprints, 1.0, random);
  const { event: base } = typicalEnvelopeParts();
  const releaseStep = (endMs - startMs) / shape.releases;
  const step = (endMs - startMs) / shape.events;
  let drawn = 0; // events drawn so far: the next draw is event number `drawn`
  const draw = (i: number): EventDraw => {
    if (i !== drawn) throw new Error(`read seed: event ${i} drawn out of order (next is ${drawn})`);
    drawn++;
    const k = fingerprint();
    const t = startMs + (i + random()) * step;
    const env = random();
    const host = Math.floor(random() * HOSTS);
    const user = Math.floor(random() * USERS);
    const route = (k + (random() < 0.2 ? Math.floor(random() * ROUTES) : 0)) % ROUTES;
    const urlId = Math.floor(random() * URL_IDS);
    const delay = 50 + random() * 450;
    return { k, t, env, host, user, route, urlId, delay };
  };
  const build = ({ k, t, env: e, host, user, route, urlId, delay }: EventDraw): EventJob => {
    const environment = e < 0.85 ? 'production' : e < 0.97 ? 'staging' : 'development';
    const release = Math.max(
      0,
      Math.min(shape.releases - 1, Math.floor((t - startMs - (host / HOSTS) * ROLLOUT_MS) / releaseStep)),
    );
    const event = variantEvent(base, k);
    const exc = (
      event.exception as { values?: Array<{ mechanism?: Record<string, unknown> }> } | undefined
    )?.values?.at(-1);
    if (exc) exc.mechanism = { type: k % 3 === 0 ? 'onuncaughtexception' : 'generic', handled: k % 3 !== 0 };
    Object.assign(event, {
      event_id: randomBytes(16).toString('hex'),
      timestamp: t / 1000,
      level: k % 53 === 0 ? 'fatal' : k % 7 === 0 ? 'warning' : 'error',
      environment,
      release: releaseVersion(release),
      server_name:
        environment === 'production'
          ? `web-${host + 1}`
          : environment === 'staging'
            ? `staging-${(host % 2) + 1}`
            : 'dev-laptop',
      transaction: `GET /api/route-${route}/:id`,
      request: { url: `https://shop.example.com/api/route-${route}/${urlId}`, method: 'GET' },
      user: { id: String(user), email: `user${user}@example.com` },
      tags: {
        region: `eu-west-${(user % 6) + 1}`,
        customer_tier: user % 10 === 0 ? 'enterprise' : user % 3 === 0 ? 'pro' : 'free',
      },
    });
    return {
      v: 1,
      kind: 'event',
      projectId: db.project.projectId,
      eventId: event.event_id as string,
      receivedAt: Math.round(t + delay),
      payload: JSON.stringify(event),
      meta: {
        clientIp: `10.0.${host}.${(user % 250) + 1}`,
        sdk: 'sentry.javascript.node/11.12.0',
        keyId: db.project.keyId,
        endpoint: 'envelope',
      },
    };
  };
  const skipTo = (i: number) => {
    while (drawn < i) draw(drawn);
  };
  return { draw, skipTo, build };
}

async function apiCall(api: ApiClient, method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${api.origin}/api/0${path}`, {
    method,
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** Resolves a quarter and ignores a twentieth of the issues so far, by bulk PUT through the API. */
async function triage(pool: Pool, api: ApiClient, project: CreatedProject): Promise<void> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM issues WHERE project_id = $1 ORDER BY id', [
    project.projectId,
  ]);
  const ids = rows.map((r) => r.id);
  const plans: Array<[string[], Record<string, unknown>]> = [
    [ids.filter((_, n) => n % 4 === 1), { status: 'resolved' }],
    [ids.filter((_, n) => n % 20 === 2), { status: 'ignored' }],
  ];
  for (const [subset, body] of plans) {
    for (let n = 0; n < subset.length; n += BULK_IDS) {
      const query = subset
        .slice(n, n + BULK_IDS)
        .map((id) => `id=${id}`)
        .join('&');
      await apiCall(api, 'PUT', `/projects/${project.orgSlug}/${project.slug}/issues/?${query}`, body);
    }
  }
}

/** A production deploy of each of the newest releases, at the moment its rollout began. */
async function recordDeploys(api: ApiClient, seed: Omit<ReadSeed, 'seedSeconds'>): Promise<void> {
  const step = (seed.endMs - seed.startMs) / seed.shape.releases;
  for (let r = Math.max(0, seed.shape.releases - DEPLOYS); r < seed.shape.releases; r++) {
    const at = new Date(seed.startMs + r * step).toISOString();
    await apiCall(
      api,
      'POST',
      `/organizations/${seed.db.project.orgSlug}/releases/${encodeURIComponent(releaseVersion(r))}/deploys/`,
      {
        environment: 'production',
        dateStarted: at,
        dateFinished: at,
        projects: [seed.db.project.slug],
      },
    );
  }
}
