// The one reader of process.env: parses the environment once into a typed, frozen object.
// Entrypoints call loadConfig() and pass sections down; tests pass a literal env object.
import { BlockList } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { parseRoleMapping, type RoleMappingRule } from './sso/rules.js';
import { parseTrustProxy, type TrustProxy } from './api/trust-proxy.js';
import { DEFAULT_INGEST_LINGER_MS } from './shared/ingest-deps.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every variable Faultline reads, with its default. The README config table mirrors this. */
export const envSchema = z.object({
  ROLE: z.enum(['all', 'api', 'ingest', 'worker']).default('all'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().default('0.0.0.0'),
  BASE_URL: z.string().url().optional(),
  SECRET_KEY: z.string().min(16).default('faultline-insecure-development-secret'),
  DATABASE_URL: z.string().url().default('postgres://127.0.0.1:5432/faultline'),
  API_DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_REPLICA_URL: z
    .string()
    .default('')
    .refine((v) => splitList(v).every(isUrl), { message: 'expected comma-separated postgres:// URLs' }),
  DATABASE_REPLICA_MAX_LAG_SECONDS: z.coerce.number().min(0).max(3600).default(5),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: z
    .string()
    .default('')
    .refine((v) => splitList(v).every((n) => /^[A-Za-z0-9.:\[\]_-]+:\d{1,5}$/.test(n)), {
      message: 'expected comma-separated host:port seeds',
    }),
  REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(10).optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_{}.-]+$/)
    .default('faultline'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.default(false),
  MAX_EVENT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1 * MiB),
  MAX_ENVELOPE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * MiB),
  INGEST_LINGER_MS: z.coerce.number().int().min(0).max(100).default(DEFAULT_INGEST_LINGER_MS),
  MAX_API_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1 * MiB),
  API_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  TRUST_PROXY: z
    .string()
    .default('')
    .refine((v) => tryParseTrustProxy(v), {
      message: 'expected false, a hop count (1-99) or a comma-separated list of proxy IPs/CIDRs',
    }),
  QUEUE_MAX_DEPTH: z.coerce.number().int().min(0).default(50_000),
  PROJECT_QUOTA_PER_MINUTE: z.coerce.number().int().min(0).optional(),
  PROJECT_QUOTA_PER_HOUR: z.coerce.number().int().min(0).optional(),
  ORG_QUOTA_PER_MINUTE: z.coerce.number().int().min(0).optional(),
  ORG_QUOTA_PER_HOUR: z.coerce.number().int().min(0).optional(),
  SPIKE_EVENTS_PER_MINUTE: z.coerce.number().int().min(0).default(1000),
  SPIKE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.01),
  WORKER_BATCH_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(64 * KiB)
    .default(16 * MiB),
  SPOOL_DIR: z.string().min(1).default('spool'),
  SPOOL_MAX_MB: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 * 1024)
    .default(1024),
  UDP_ENABLED: bool.default(true),
  UDP_PORT: z.coerce.number().int().min(0).max(65535).default(8001),
  UDP_HOST: z.string().default('0.0.0.0'),
  UDP_RECV_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 * MiB)
    .default(4 * MiB),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(5000).default(256),
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  WORKER_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(5),
  RUN_MIGRATIONS: bool.default(true),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  MONITOR_TICK_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  LIVE_STREAM_BUFFER: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  SOURCEMAP_CACHE_MB: z.coerce.number().int().min(1).max(65_536).default(256),
  MAX_ARTIFACT_BUNDLE_MB: z.coerce.number().int().min(1).max(2048).default(256),
  SMTP_URL: z.string().url().optional(),
  EMAIL_FROM: z.string().min(3).default('Faultline <faultline@localhost>'),
  WEBHOOK_ALLOWED_HOSTS: z.string().default(''),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  ALERT_DIGEST_WINDOW_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  ALERT_DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(12),
  ALERT_RETRY_DELAY_MS: z.coerce.number().int().min(1).max(600_000).default(2_000),
  WORKER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  WORKER_STALL_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  SCRUB_DEFAULTS: bool.default(true),
  SCRUB_IP_ADDRESSES: bool.default(false),
  METRICS_TOKEN: z.string().min(16).optional(),
  STATSD_HOST: z.string().optional(),
  STATSD_PORT: z.coerce.number().int().min(1).max(65535).default(8125),
  STATSD_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/)
    .default('faultline.'),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(256).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(1024).optional(),
  OIDC_SCOPES: z
    .string()
    .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/)
    .default('openid email profile'),
  OIDC_ALLOWED_DOMAINS: z.string().default(''),
  OIDC_ROLE_CLAIM: z.string().min(1).max(100).default('groups'),
  OIDC_ROLE_MAPPING: z.string().default(''),
  OIDC_DEFAULT_ORG: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,49}$/)
    .optional(),
  OIDC_BUTTON_LABEL: z.string().min(1).max(60).default('Sign in with SSO'),
  OIDC_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  role: 'all' | 'api' | 'ingest' | 'worker';
  /** trustProxy: when X-Forwarded-For names the client (api/trust-proxy.ts);
   *  statementTimeoutMs: API queries running longer are cancelled by Postgres (0: no limit). */
  http: {
    port: number;
    host: string;
    baseUrl: string;
    maxApiBodyBytes: number;
    trustProxy: TrustProxy;
    statementTimeoutMs: number;
  };
  secretKey: string;
  /** apiUrl: the API requests' pool (default url); behind PgBouncer it names a role whose default
   *  carries statement_timeout (docs/scaling.md). replicaUrls: streaming replicas serving the API's
   *  reads (db/read-pool.ts); replicaMaxLagMs: a replica further behind than this is skipped and its
   *  reads go to the primary. */
  db: {
    url: string;
    apiUrl: string;
    poolSize: number;
    runMigrations: boolean;
    replicaUrls: string[];
    replicaMaxLagMs: number;
  };
  /** clusterNodes: Redis Cluster seeds (when non-empty they replace url); waitReplicas: replicas that
   *  must hold an enqueued event before ingest answers 200 (Redis WAIT). */
  redis: { url: string; prefix: string; clusterNodes: string[]; waitReplicas: number };
  log: { level: string; pretty: boolean };
  /** lingerMs: INGEST_LINGER_MS, how long ingest's producer collects accepted items into one queue job. */
  ingest: { maxEventBytes: number; maxEnvelopeBytes: number; lingerMs: number };
  /** Ingest protection (docs/ingest-protection.md); 0 / null switch a part off. */
  protection: ProtectionConfig;
  /** The UDP ingest listener (ingest and all roles); port 0 picks a free port; recvBufferBytes 0 keeps the OS default. */
  udp: { enabled: boolean; port: number; host: string; recvBufferBytes: number };
  /** Ingest's disk spool for Redis outages (ingest/src/spool.ts): an absolute directory; maxBytes 0 turns it off. */
  spool: { dir: string; maxBytes: number };
  /** maxAttempts: a job failing this often is dead-lettered (outages of Postgres do not count);
   *  stallTimeoutMs: a job whose worker died is handed to another worker after about this long. */
  worker: { concurrency: number; batchSize: number; batchWaitMs: number; maxAttempts: number; stallTimeoutMs: number };
  retention: { days: number };
  /** How often the cron-monitor scheduler looks for missed and timed-out check-ins; 0: never (tests drive it). */
  monitors: { tickMs: number };
  /** Live stream: messages kept per organization for Last-Event-ID resume. */
  realtime: { bufferSize: number };
  /** Parsed source maps kept by the worker; uploaded bundles larger than maxBundleBytes are refused. */
  sourcemaps: { cacheBytes: number; maxBundleBytes: number };
  alerts: AlertsConfig;
  /** Data scrubbing for projects that did not choose (project settings override both). */
  scrub: { defaults: boolean; ipAddresses: boolean };
  /** /metrics (Bearer token when set) and the optional StatsD push (null: off). */
  metrics: { token: string | null; statsd: { host: string; port: number; prefix: string } | null };
  /** OpenID Connect login (docs/operations.md, "Single sign-on"); null when OIDC_ISSUER is unset. */
  oidc: OidcConfig | null;
}

export interface ProtectionConfig {
  /** Jobs waiting in process-event above which ingest answers 429 (0: no limit). */
  queueMaxDepth: number;
  /** Event quotas for projects/organizations without their own; null: none (the default). */
  quotas: {
    projectPerMinute: number | null;
    projectPerHour: number | null;
    orgPerMinute: number | null;
    orgPerHour: number | null;
  };
  /** Events per issue and minute above which only a sample is stored (0: off); counts stay exact. */
  spikeEventsPerMinute: number;
  spikeSampleRate: number;
  /** The worker flushes a batch early once its payloads reach this many bytes. */
  workerBatchMaxBytes: number;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** null: a public client (PKCE only, token endpoint auth "none"). */
  clientSecret: string | null;
  scopes: string;
  /** Lower-case e-mail domains allowed to sign in; empty: any. */
  allowedDomains: string[];
  roleClaim: string;
  roleMapping: RoleMappingRule[];
  /** Users the mapping gives no organization ask to join this one (pending until accepted). */
  defaultOrg: string | null;
  buttonLabel: string;
  /** Leeway for exp/iat/nbf of ID tokens; anything beyond is refused. */
  clockToleranceSeconds: number;
}

export interface AlertsConfig {
  /** null: email delivery disabled (deliveries are recorded as skipped with a warning). */
  smtpUrl: string | null;
  emailFrom: string;
  /** Hosts, IPs or CIDR ranges webhooks may reach even though they are private or loopback. */
  webhookAllowedHosts: string[];
  webhookTimeoutMs: number;
  /** Alerts to one address within this window after an email are bundled into one digest. */
  digestWindowMs: number;
  deliveryAttempts: number;
  /** First retry delay; doubles per attempt (12 attempts at 2 s: about 2.3 hours in total). */
  retryDelayMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(defined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(defined[String(i.path[0])])})`,
    );
    throw new ConfigError(`invalid configuration, fix these environment variables:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const oidc = parseOidc(e);
  const config: Config = {
    role: e.ROLE,
    http: {
      port: e.PORT,
      host: e.HOST,
      baseUrl: (e.BASE_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
      maxApiBodyBytes: e.MAX_API_BODY_BYTES,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      statementTimeoutMs: e.API_STATEMENT_TIMEOUT_MS,
    },
    secretKey: e.SECRET_KEY,
    db: {
      url: e.DATABASE_URL,
      apiUrl: e.API_DATABASE_URL ?? e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      runMigrations: e.RUN_MIGRATIONS,
      replicaUrls: splitList(e.DATABASE_REPLICA_URL),
      replicaMaxLagMs: e.DATABASE_REPLICA_MAX_LAG_SECONDS * 1000,
    },
    redis: {
      url: e.REDIS_URL,
      prefix: e.REDIS_PREFIX,
      clusterNodes: splitList(e.REDIS_CLUSTER_NODES),
      // A cluster's masters each have a replica; one must hold an event before its 200 survives a failover.
      waitReplicas: e.REDIS_WAIT_REPLICAS ?? (splitList(e.REDIS_CLUSTER_NODES).length > 0 ? 1 : 0),
    },
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY },
    ingest: { maxEventBytes: e.MAX_EVENT_BYTES, maxEnvelopeBytes: e.MAX_ENVELOPE_BYTES, lingerMs: e.INGEST_LINGER_MS },
    protection: {
      queueMaxDepth: e.QUEUE_MAX_DEPTH,
      quotas: {
        projectPerMinute: e.PROJECT_QUOTA_PER_MINUTE ?? null,
        projectPerHour: e.PROJECT_QUOTA_PER_HOUR ?? null,
        orgPerMinute: e.ORG_QUOTA_PER_MINUTE ?? null,
        orgPerHour: e.ORG_QUOTA_PER_HOUR ?? null,
      },
      spikeEventsPerMinute: e.SPIKE_EVENTS_PER_MINUTE,
      spikeSampleRate: e.SPIKE_SAMPLE_RATE,
      workerBatchMaxBytes: e.WORKER_BATCH_MAX_BYTES,
    },
    udp: { enabled: e.UDP_ENABLED, port: e.UDP_PORT, host: e.UDP_HOST, recvBufferBytes: e.UDP_RECV_BUFFER_BYTES },
    spool: { dir: path.resolve(e.SPOOL_DIR), maxBytes: e.SPOOL_MAX_MB * MiB },
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      batchSize: e.WORKER_BATCH_SIZE,
      batchWaitMs: e.WORKER_BATCH_WAIT_MS,
      maxAttempts: e.WORKER_MAX_ATTEMPTS,
      stallTimeoutMs: e.WORKER_STALL_TIMEOUT_MS,
    },
    retention: { days: e.RETENTION_DAYS },
    monitors: { tickMs: e.MONITOR_TICK_SECONDS * 1000 },
    realtime: { bufferSize: e.LIVE_STREAM_BUFFER },
    sourcemaps: { cacheBytes: e.SOURCEMAP_CACHE_MB * MiB, maxBundleBytes: e.MAX_ARTIFACT_BUNDLE_MB * MiB },
    alerts: {
      smtpUrl: e.SMTP_URL ?? null,
      emailFrom: e.EMAIL_FROM,
      webhookAllowedHosts: e.WEBHOOK_ALLOWED_HOSTS.split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
      webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
      digestWindowMs: e.ALERT_DIGEST_WINDOW_SECONDS * 1000,
      deliveryAttempts: e.ALERT_DELIVERY_ATTEMPTS,
      retryDelayMs: e.ALERT_RETRY_DELAY_MS,
    },
    scrub: { defaults: e.SCRUB_DEFAULTS, ipAddresses: e.SCRUB_IP_ADDRESSES },
    metrics: {
      token: e.METRICS_TOKEN ?? null,
      statsd: e.STATSD_HOST ? { host: e.STATSD_HOST, port: e.STATSD_PORT, prefix: e.STATSD_PREFIX } : null,
    },
    oidc,
  };
  return deepFreeze(config);
}

function parseOidc(e: z.output<typeof envSchema>): OidcConfig | null {
  const bad: string[] = [];
  if ((e.OIDC_ISSUER === undefined) !== (e.OIDC_CLIENT_ID === undefined))
    bad.push('  OIDC_ISSUER and OIDC_CLIENT_ID: set both to enable OpenID Connect login, or neither');
  if (e.OIDC_ISSUER !== undefined && !isTlsOrLoopback(e.OIDC_ISSUER))
    bad.push('  OIDC_ISSUER: use an https:// issuer URL (plain http only for 127.0.0.1 or localhost)');
  let roleMapping: RoleMappingRule[] = [];
  try {
    roleMapping = parseRoleMapping(e.OIDC_ROLE_MAPPING);
  } catch (err) {
    bad.push(`  OIDC_ROLE_MAPPING: ${(err as Error).message}`);
  }
  if (bad.length > 0)
    throw new ConfigError(`invalid configuration, fix these environment variables:\n${bad.join('\n')}`);
  if (e.OIDC_ISSUER === undefined || e.OIDC_CLIENT_ID === undefined) return null;
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET ?? null,
    scopes: e.OIDC_SCOPES.split(' ').includes('openid') ? e.OIDC_SCOPES : `openid ${e.OIDC_SCOPES}`,
    allowedDomains: e.OIDC_ALLOWED_DOMAINS.split(',')
      .map((d) => d.trim().toLowerCase().replace(/^@/, ''))
      .filter(Boolean),
    roleClaim: e.OIDC_ROLE_CLAIM,
    roleMapping,
    defaultOrg: e.OIDC_DEFAULT_ORG ?? null,
    buttonLabel: e.OIDC_BUTTON_LABEL,
    clockToleranceSeconds: e.OIDC_CLOCK_TOLERANCE_SECONDS,
  };
}

/** The provider's tokens and keys must come over TLS, except from this machine (development, tests). */
function isTlsOrLoopback(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

function tryParseTrustProxy(text: string): boolean {
  try {
    parseTrustProxy(text);
    return true;
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof BlockList)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function isUrl(text: string): boolean {
  return URL.canParse(text);
}
