// Step "scrub" (per event, right after normalize, before filter, fingerprint, tag and anything
// stored): removes passwords, tokens, auth headers, cookies, card numbers and similar from the
// event (scrub/scrub-event.ts) with the project's data-scrubbing settings, so titles, tags and
// payloads are built from clean data. The load-settings step reads the settings once per batch
// for all its projects into a cache the worker's entrypoint owns (SCRUB_SETTINGS_TTL_MS).
import { LRUCache } from 'lru-cache';
import type { NormalizedEvent } from '../shared/protocol/event.js';
import { listProjectScrubSettings } from '../scrub/queries.js';
import { compileScrubRules, DEFAULT_SCRUB_RULES, effectiveScrubSettings, type ScrubRules } from '../scrub/rules.js';
import { scrubEvent } from '../scrub/scrub-event.js';
import type { Deps } from '../deps.js';

export const SCRUB_SETTINGS_TTL_MS = 30_000; // a settings change reaches every worker within this
const MAX_CACHED_PROJECTS = 10_000;

/** Compiled rules per project id; one per worker process (one per pipeline state). */
export type ScrubSettingsCache = LRUCache<string, ScrubRules>;

export function createScrubSettingsCache(): ScrubSettingsCache {
  return new LRUCache({ max: MAX_CACHED_PROJECTS, ttl: SCRUB_SETTINGS_TTL_MS });
}

/** What the step needs for one event: its project's rules, or why they could not be loaded. */
export type ScrubInput = ScrubRules | Error;

/** Loads the rules of the batch's projects; a failed load makes their events retry (never unscrubbed). */
export async function loadScrubInputs(
  deps: Pick<Deps, 'pool' | 'config'>,
  cache: ScrubSettingsCache,
  projectIds: string[],
): Promise<(projectId: string) => ScrubInput> {
  // The batch keeps its own snapshot: a cache entry expiring while the batch runs must not lose it.
  const batch = new Map<string, ScrubRules>();
  const missing: string[] = [];
  for (const id of new Set(projectIds)) {
    const rules = cache.get(id);
    if (rules) batch.set(id, rules);
    else missing.push(id);
  }
  let failure: Error | null = null;
  if (missing.length > 0) {
    try {
      // A malformed id (no such project: the group step drops its event) must not fail the batch's query.
      const stored = await listProjectScrubSettings(
        deps.pool,
        missing.filter((id) => /^\d{1,18}$/.test(id)),
      );
      for (const id of missing) {
        const rules = compileScrubRules(effectiveScrubSettings(stored.get(id) ?? null, deps.config.scrub));
        cache.set(id, rules);
        batch.set(id, rules);
      }
    } catch (err) {
      failure = new Error('loading data-scrubbing settings failed', { cause: err });
    }
  }
  return (projectId) =>
    batch.get(projectId) ?? failure ?? new Error(`no data-scrubbing settings for project ${projectId}`);
}

/** The step. Without input (unit tests of other steps) the default rules apply. */
export function scrub(event: NormalizedEvent, input: ScrubInput = DEFAULT_SCRUB_RULES): NormalizedEvent {
  if (input instanceof Error) throw input;
  return scrubEvent(event, input);
}
