// Cached lookup of DSN public keys for the ingest hot path: no per-request query. Entries live
// ~60 s (unknown keys a few seconds), expired ones are served while one refresh runs, and when
// Postgres is down known keys keep being served from the cache so ingest keeps accepting.
import { LRUCache } from 'lru-cache';
import type { Queryable } from './queryable.js';
import type { Logger } from './log.js';

export interface ProjectKeyInfo {
  keyId: string;
  projectId: string;
  organizationId: string;
  publicKey: string;
  isActive: boolean;
  /** At most `count` events per `window` seconds, or null for unlimited. */
  rateLimit: { count: number; window: number } | null;
  /** The project's and organization's own event quotas (null: the configured default applies). */
  quotas: KeyQuotas;
  /** The project's inbound filter settings as stored (filters/settings.ts parses them). */
  inboundFilters: unknown;
  /** Origins browser events may come from (ingest/src/allowed-domains.ts); ['*'] allows all. */
  allowedDomains: string[];
}

export interface KeyQuotas {
  projectPerMinute: number | null;
  projectPerHour: number | null;
  orgPerMinute: number | null;
  orgPerHour: number | null;
}

export interface KeyLookup {
  /** The key's project, null for an unknown key; throws only if Postgres fails and nothing is cached. */
  find(publicKey: string): Promise<ProjectKeyInfo | null>;
  /** Forgets one key (after a change) or every key. */
  invalidate(publicKey?: string): void;
}

export interface KeyLookupOptions {
  max?: number;
  ttlMs?: number;
  negativeTtlMs?: number;
  /** After a failed refresh, wait this long before asking Postgres again for that key. */
  retryMs?: number;
  log?: Logger;
  now?: () => number;
}

interface Entry {
  info: ProjectKeyInfo | null;
  expiresAt: number;
}

const PUBLIC_KEY = /^[0-9a-f]{32}$/; // the CHECK constraint of project_keys.public_key

export function createKeyLookup(pool: Queryable, opts: KeyLookupOptions = {}): KeyLookup {
  const ttlMs = opts.ttlMs ?? 60_000;
  const negativeTtlMs = opts.negativeTtlMs ?? 5_000;
  const retryMs = opts.retryMs ?? 5_000;
  const now = opts.now ?? Date.now;
  const cache = new LRUCache<string, Entry>({ max: opts.max ?? 10_000 });
  const inflight = new Map<string, Promise<ProjectKeyInfo | null>>();
  let generation = 0;
  // After a failed query, misses fail fast for retryMs instead of each waiting on a dead Postgres.
  let failingUntil = 0;

  function load(publicKey: string): Promise<ProjectKeyInfo | null> {
    const running = inflight.get(publicKey);
    if (running) return running;
    const gen = generation;
    if (failingUntil > now()) return Promise.reject(new Error('project key lookup skipped: Postgres failed recently'));
    const p = findProjectKey(pool, publicKey)
      .then(
        (info) => {
          if (gen === generation) cache.set(publicKey, { info, expiresAt: now() + (info ? ttlMs : negativeTtlMs) });
          return info;
        },
        (err: unknown) => {
          failingUntil = now() + retryMs;
          throw new Error('project key lookup failed', { cause: err });
        },
      )
      .finally(() => inflight.delete(publicKey));
    inflight.set(publicKey, p);
    return p;
  }

  return {
    async find(publicKey) {
      if (!PUBLIC_KEY.test(publicKey)) return null;
      const entry = cache.get(publicKey);
      if (!entry) return load(publicKey);
      if (entry.expiresAt > now()) return entry.info;
      // Expired: answer from the cache now and refresh once in the background.
      load(publicKey).catch((err: unknown) => {
        entry.expiresAt = now() + retryMs;
        opts.log?.warn({ err }, 'project key refresh failed, serving the cached entry');
      });
      return entry.info;
    },
    invalidate(publicKey) {
      generation++;
      if (publicKey === undefined) cache.clear();
      else cache.delete(publicKey);
    },
  };
}

interface ProjectKeyRow {
  id: string;
  project_id: string;
  organization_id: string;
  public_key: string;
  is_active: boolean;
  rate_limit_count: number | null;
  rate_limit_window: number | null;
  project_per_minute: number | null;
  project_per_hour: number | null;
  org_per_minute: number | null;
  org_per_hour: number | null;
  inbound_filters: unknown;
  allowed_domains: string[];
}

export async function findProjectKey(db: Queryable, publicKey: string): Promise<ProjectKeyInfo | null> {
  const { rows } = await db.query<ProjectKeyRow>(
    `SELECT k.id, k.project_id, p.organization_id, k.public_key, k.is_active, k.rate_limit_count, k.rate_limit_window,
            p.quota_events_per_minute AS project_per_minute, p.quota_events_per_hour AS project_per_hour,
            o.quota_events_per_minute AS org_per_minute, o.quota_events_per_hour AS org_per_hour, p.inbound_filters,
            p.allowed_domains
       FROM project_keys k
       JOIN projects p ON p.id = k.project_id
       JOIN organizations o ON o.id = p.organization_id
      WHERE k.public_key = $1`,
    [publicKey],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    keyId: r.id,
    projectId: r.project_id,
    organizationId: r.organization_id,
    publicKey: r.public_key,
    isActive: r.is_active,
    rateLimit:
      r.rate_limit_count !== null && r.rate_limit_window !== null
        ? { count: r.rate_limit_count, window: r.rate_limit_window }
        : null,
    quotas: {
      projectPerMinute: r.project_per_minute,
      projectPerHour: r.project_per_hour,
      orgPerMinute: r.org_per_minute,
      orgPerHour: r.org_per_hour,
    },
    inboundFilters: r.inbound_filters,
    allowedDomains: r.allowed_domains,
  };
}
