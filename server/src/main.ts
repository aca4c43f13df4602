// Entrypoint: `npm start` (ROLE=all) or one role with ROLE=api|ingest|worker or --role=...
// Loads config, builds the shared dependencies, runs migrations, starts the role's parts,
// and on SIGTERM/SIGINT stops accepting, drains and exits within SHUTDOWN_TIMEOUT_MS.
import type { Server } from 'node:http';
import type Koa from 'koa';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './shared/log.js';
import { createPool, ensureDatabase } from './db/pool.js';
import { createReadPool, type ReadPool } from './db/read-pool.js';
import { migrate } from './db/migrate.js';
import { createRedis } from './shared/redis.js';
import { createProcessQueue } from './shared/queues.js';
import { createApp } from './api/app.js';
import { createApiRouter } from './api/router.js';
import { serveUi } from './api/ui.js';
import { createIngestRouter } from '../../ingest/src/http.js';
import { startUdpIngest, type UdpIngest } from '../../ingest/src/udp.js';
import { watchUdp } from './metrics/udp.js';
import { watchSpool } from './metrics/spool.js';
import { startWorker, type WorkerOptions } from './main-worker.js';
import { collectProcessMetrics } from './metrics/registry.js';
import { watchRuntime } from './metrics/runtime.js';
import { startStatsdExport } from './metrics/statsd.js';
import { scheduledTasks } from './schedule.js';
import { startScheduler } from './scheduler/run.js';
import { createAlertState } from './alerts/state.js';
import type { Deps } from './deps.js';
import { createOidcClient } from './sso/oidc-client.js';

const SHUTDOWN_TIMEOUT_MS = 10_000; // drains in-flight requests and the current worker batch

export interface Running {
  deps: Deps;
  server?: Server;
  port?: number;
  /** The UDP ingest listener (ingest and all roles, unless UDP_ENABLED=false); its bound port. */
  udp?: UdpIngest;
  udpPort?: number;
  /** The API's replica router (api and all roles, when DATABASE_REPLICA_URL is set). */
  readPool?: ReadPool;
  stop: () => Promise<void>;
}

export interface StartOptions {
  /** Passed to the worker role (tests compose the pipeline's steps, e.g. a step that fails). */
  worker?: WorkerOptions;
}

export async function start(config: Config, options: StartOptions = {}): Promise<Running> {
  const log = createLogger(config.log);
  const role = config.role;
  if (role !== 'ingest') await ensureDatabase(config.db.url);
  const pool = createPool(config.db.url, config.db.poolSize);
  if (role !== 'ingest' && config.db.runMigrations) {
    await migrate(pool, { log: (msg) => log.info(msg) });
  }
  const redis = createRedis(config.redis, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  const queueRedis = createRedis(config.redis, { maxRetriesPerRequest: null });
  const queue = createProcessQueue(queueRedis, config.redis.prefix);
  queue.on('error', (err) => log.warn({ err }, 'queue connection error'));
  const alerts = createAlertState(redis, config.redis.prefix, config.alerts); // rule cache + send-alert producer
  const deps: Deps = {
    config,
    log,
    pool,
    redis,
    queue,
    queueRedis,
    alerts,
    oidc: config.oidc ? createOidcClient(config.oidc) : null,
  };

  const stoppers: Array<() => Promise<void>> = [];
  const streamClosers: Array<() => Promise<void>> = []; // end long-lived responses (live stream) so the HTTP drain can finish
  collectProcessMetrics();
  const unwatch = watchRuntime({ pool, queue }); // queue depth and pool gauges for /metrics
  stoppers.push(async () => unwatch());
  if (config.metrics.statsd) stoppers.push(startStatsdExport(config.metrics.statsd, log).stop);
  let server: Server | undefined;
  let udp: UdpIngest | undefined;
  let readPool: ReadPool | undefined;
  {
    // Every role listens: /healthz, /readyz and /metrics; the worker serves nothing else.
    const mounts: Koa.Middleware[] = [];
    let spool: ReturnType<typeof createIngestRouter>['spool'] | undefined;
    let ingestLane: ReturnType<typeof createIngestRouter>['lane'] | undefined;
    if (role === 'all' || role === 'ingest') {
      const ingest = createIngestRouter(deps);
      mounts.push(ingest.middleware);
      stoppers.push(ingest.close);
      spool = ingest.spool;
      ingestLane = ingest.lane;
      const unwatchSpool = watchSpool(spool);
      stoppers.push(async () => unwatchSpool());
      if (config.udp.enabled) {
        const udpLog = log.child({ component: 'ingest.udp' });
        const listener = await startUdpIngest(config.udp, { ...ingest.acceptDeps, log: udpLog }); // same key cache and enqueuer as HTTP
        const unwatchUdp = watchUdp(listener);
        stoppers.push(async () => {
          unwatchUdp();
          await listener.close();
        }); // runs before the enqueuer flushes (reverse order)
        udp = listener;
      }
    }
    if (role === 'all' || role === 'api') {
      // API requests get their own pool whose sessions carry statement_timeout: a search a
      // user shapes can hold a connection for API_STATEMENT_TIMEOUT_MS at most, and never the worker's.
      // Behind PgBouncer (which drops that startup parameter) API_DATABASE_URL names a Postgres role
      // whose default carries the timeout instead (docs/scaling.md).
      const apiPool = createPool(config.db.apiUrl, config.db.poolSize, {
        statementTimeoutMs: config.http.statementTimeoutMs,
      });
      stoppers.push(() => apiPool.end().catch(() => {}));
      // DATABASE_REPLICA_URL: list, detail, stats and search reads go to replicas that keep up.
      readPool =
        config.db.replicaUrls.length > 0
          ? createReadPool(apiPool, config.db.replicaUrls, {
              poolSize: config.db.poolSize,
              maxLagMs: config.db.replicaMaxLagMs,
              statementTimeoutMs: config.http.statementTimeoutMs,
              log,
            })
          : undefined;
      if (readPool) {
        const replicas = readPool;
        await replicas.check();
        stoppers.push(() => replicas.close());
      }
      const api = createApiRouter({ ...deps, pool: apiPool, readPool });
      mounts.push(api.middleware);
      streamClosers.push(api.close);
      mounts.push(serveUi());
    }
    const app = createApp(deps, { mounts, spool, ingestLane });
    server = app.listen(config.http.port, config.http.host);
    await new Promise<void>((resolve, reject) => server!.once('listening', resolve).once('error', reject));
    // Node's default keep-alive timeout is shorter than many load balancers'; avoid 502s on reuse.
    server.keepAliveTimeout = 65_000;
    log.info({ role, port: addressPort(server) }, 'http listening');
  }
  if (role === 'all' || role === 'worker') {
    const worker = await startWorker(deps, options.worker);
    stoppers.push(worker.close);
    // Every periodic task (schedule.ts), each run by one process at a time; stopped before the worker.
    stoppers.push(startScheduler(scheduledTasks(deps), { redis, prefix: config.redis.prefix, log }).stop);
    log.info({ role }, 'worker started');
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down');
      // Stop accepting, end live streams, let in-flight requests finish; keep-alive connections
      // are closed as soon as they fall idle.
      const drained = server ? new Promise<void>((r) => server!.close(() => r())) : null;
      const sweep = setInterval(() => server?.closeIdleConnections(), 100);
      server?.closeIdleConnections();
      for (const s of streamClosers) await s().catch((err) => log.warn({ err }, 'shutdown step failed'));
      await drained;
      clearInterval(sweep);
      for (const s of stoppers.reverse()) await s().catch((err) => log.warn({ err }, 'shutdown step failed'));
      await alerts.close().catch(() => {});
      await queue.close().catch(() => {});
      redis.disconnect();
      await pool.end().catch(() => {});
      log.info('stopped');
    })());
  return { deps, server, port: server ? addressPort(server) : undefined, udp, udpPort: udp?.port, readPool, stop };
}

function addressPort(server: Server): number | undefined {
  const a = server.address();
  return a && typeof a === 'object' ? a.port : undefined;
}

function roleFromArgv(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (i < 0) return undefined;
  return argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
}

async function main(): Promise<void> {
  let config: Config;
  try {
    const role = roleFromArgv(process.argv.slice(2));
    config = loadConfig(role ? { ...process.env, ROLE: role } : process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const running = await start(config);
  const shutdown = () => {
    const timer = setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    process.stderr.write(`faultline failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
