// Stage "scrub" (per event, right after normalize, before fingerprint, tag and anything stored):
// removes passwords, tokens, auth headers, cookies, card numbers and similar from the event
// (scrub/scrub-event.ts) with the project's data-scrubbing settings, so titles, tags and
// payloads are built from clean data. Settings are read once per batch for all its projects
// and cached per process for SCRUB_SETTINGS_TTL_MS.
import { LRUCache } from 'lru-cache';
import type { Queryable } from '../db/pool.js';
import type { NormalizedEvent } from '../shared/protocol/event.js';
import { listProjectScrubSettings } from '../scrub/queries.js';
import { compileScrubRules, DEFAULT_SCRUB_RULES, effectiveScrubSettings, type ScrubRules } from '../scrub/rules.js';
import { scrubEvent } from '../scrub/scrub-event.js';
import type { Deps } from '../deps.js';

export const SCRUB_SETTINGS_TTL_MS = 30_000; // a settings change reaches every worker within this
const MAX_CACHED_PROJECTS = 10_000;

/** What the stage needs for one event: its project's rules, or why they could not be loaded. */
export type ScrubInput = { rules: ScrubRules; poisonMessage: string | null } | Error;

// Keyed by pool: tests run several databases (with overlapping project ids) in one process.
const caches = new WeakMap<Queryable, LRUCache<string, ScrubRules>>();

/** Loads the rules of the batch's projects; a failed load makes their events retry (never unscrubbed). */
export async function loadScrubInputs(deps: Pick<Deps, 'pool' | 'config'>, projectIds: string[]): Promise<(projectId: string) => ScrubInput> {
  let cache = caches.get(deps.pool);
  if (!cache) caches.set(deps.pool, (cache = new LRUCache({ max: MAX_CACHED_PROJECTS, ttl: SCRUB_SETTINGS_TTL_MS })));
  const poisonMessage = deps.config.testing.poisonMessage;
  const missing = [...new Set(projectIds)].filter((id) => !cache.has(id));
  let failure: Error | null = null;
  if (missing.length > 0) {
    try {
      // A malformed id (no such project: the group stage drops its event) must not fail the batch's query.
      const stored = await listProjectScrubSettings(deps.pool, missing.filter((id) => /^\d{1,18}$/.test(id)));
      for (const id of missing) cache.set(id, compileScrubRules(effectiveScrubSettings(stored.get(id) ?? null, deps.config.scrub)));
    } catch (err) {
      failure = new Error('loading data-scrubbing settings failed', { cause: err });
    }
  }
  return (projectId) => {
    const rules = cache.get(projectId);
    return rules ? { rules, poisonMessage } : (failure ?? new Error(`no data-scrubbing settings for project ${projectId}`));
  };
}

/** The stage. Without input (unit tests of other stages) the default rules apply. */
export function scrub(event: NormalizedEvent, input: ScrubInput = { rules: DEFAULT_SCRUB_RULES, poisonMessage: null }): NormalizedEvent {
  if (input instanceof Error) throw input;
  // TEST_POISON_MESSAGE (tests only): an event that fails every attempt, to prove dead-lettering.
  if (input.poisonMessage !== null && JSON.stringify(event.logentry ?? event.exception ?? '').includes(input.poisonMessage)) {
    throw new Error('poisoned event (TEST_POISON_MESSAGE)');
  }
  return scrubEvent(event, input.rules);
}
