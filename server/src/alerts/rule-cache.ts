// The evaluator's per-process cache of each project's rules. A per-project version counter in
// Redis (bumped by every rule write, in any process) invalidates it: one MGET per batch tells
// which projects to reload. A TTL bounds staleness if a bump was ever lost.
import type { RedisClient } from '../shared/redis.js';
import type { Queryable } from '../db/pool.js';
import { listRulesOfProjects } from './queries.js';
import type { AlertRule } from './rules.js';

const MAX_AGE_MS = 5 * 60_000; // reload even without a version bump after this long

interface Entry {
  version: string;
  loadedAt: number;
  rules: AlertRule[];
}

export function rulesVersionKey(prefix: string, projectId: string): string {
  return `${prefix}:{alerts}:rules-version:${projectId}`; // {alerts}: MGET spans projects (Redis Cluster slot)
}

/** Call after every rule insert/update/delete (after commit). */
export async function bumpRulesVersion(redis: RedisClient, prefix: string, projectId: string): Promise<void> {
  await redis.incr(rulesVersionKey(prefix, projectId));
}

export class RuleCache {
  private readonly entries = new Map<string, Entry>();

  async rulesFor(
    db: Queryable,
    redis: RedisClient,
    prefix: string,
    projectIds: string[],
    now: number,
  ): Promise<Map<string, AlertRule[]>> {
    const versions = await redis.mget(projectIds.map((id) => rulesVersionKey(prefix, id)));
    const stale = projectIds.filter((id, i) => {
      const e = this.entries.get(id);
      return !e || e.version !== (versions[i] ?? '0') || now - e.loadedAt > MAX_AGE_MS;
    });
    if (stale.length > 0) {
      const rows = await listRulesOfProjects(db, stale);
      for (const id of stale) {
        const version = versions[projectIds.indexOf(id)] ?? '0';
        this.entries.set(id, { version, loadedAt: now, rules: rows.filter((r) => r.projectId === id) });
      }
    }
    return new Map(projectIds.map((id) => [id, this.entries.get(id)?.rules ?? []]));
  }
}
