// What of an accepted request may go on the queue (docs/ingest-protection.md): the event is
// checked against the cheap inbound filters (release/environment from the envelope's trace
// header), the queue's backpressure and the key/project/organization quotas, in that order, so
// that neither a filtered event nor a full queue uses up quota. Aux items (sessions, client
// reports, counters) obey the queue-full rule only.
import type { ProjectKeyInfo } from '../../server/src/shared/keys.js';
import { environments } from '../../server/src/shared/filters/environments.js';
import { releases } from '../../server/src/shared/filters/releases.js';
import {
  parseFilterSettings,
  type FilterReason,
  type InboundFilterSettings,
} from '../../server/src/shared/filters/settings.js';
import { isObject } from './envelope.js';
import type { OutcomeCounter } from '../../server/src/shared/outcomes/outcome-counter.js';
import {
  drop,
  RATE_LIMITED_DETAIL,
  type ActiveLimit,
  type Drop,
  type Outcome,
  type RateLimitReason,
} from '../../server/src/shared/outcomes/outcomes.js';
import { QUEUE_FULL_RETRY_AFTER_SECONDS, type QueueDepthGuard } from './queue-depth.js';
import type { FloodLane } from './flood-lane.js';
import { quotasFor, type QuotaDefaults, type RateLimiter } from './rate-limit.js';

/** The optional protection parts of AcceptDeps; each one absent means "off". */
export interface ProtectionDeps {
  /** Low queue priority for events that look like a flood (flood-lane.ts). */
  floodLane?: FloodLane;
  rateLimiter?: RateLimiter;
  quotaDefaults?: QuotaDefaults;
  queueDepth?: QueueDepthGuard;
  outcomes?: OutcomeCounter;
}

export type EventFate =
  | { kind: 'queue' }
  | { kind: 'invalid' }
  | { kind: 'filtered'; reason: FilterReason }
  | { kind: 'limited'; reason: RateLimitReason; limits: ActiveLimit[] };

/** The whole install is overloaded: every category, for a short while (scope is ignored by SDKs). */
export const QUEUE_FULL_LIMIT: ActiveLimit = Object.freeze({
  retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_SECONDS,
  categories: [],
  scope: 'organization',
  reasonCode: 'queue_full',
});

export async function eventFate(
  key: ProjectKeyInfo,
  envelopeHeaders: Record<string, unknown> | null,
  deps: ProtectionDeps,
): Promise<EventFate> {
  const filtered = envelopeHeaders ? filterByTraceHeader(key, envelopeHeaders) : null;
  if (filtered) return { kind: 'filtered', reason: filtered };
  if (deps.queueDepth?.isFull()) return { kind: 'limited', reason: 'queue_full', limits: [QUEUE_FULL_LIMIT] };
  if (!deps.rateLimiter) return { kind: 'queue' };
  const limits = await deps.rateLimiter.check(quotasFor(key, deps.quotaDefaults ?? NO_DEFAULTS), 1);
  if (limits.length === 0) return { kind: 'queue' };
  return { kind: 'limited', reason: limits[0]!.reasonCode, limits };
}

export function fateOutcome(fate: Exclude<EventFate, { kind: 'queue' }>): Outcome {
  if (fate.kind === 'invalid') return { outcome: 'invalid', reason: 'invalid-event' };
  return fate.kind === 'filtered'
    ? { outcome: 'filtered', reason: fate.reason }
    : { outcome: 'rate_limited', reason: fate.reason };
}

/** The 429 of a refused request: Relay's body, and the limits for the headers. */
export function rateLimited(limits: ActiveLimit[]): Drop {
  const queueFull = limits.some((l) => l.reasonCode === 'queue_full');
  return { ...drop(queueFull ? 'queue-full' : 'rate-limited', 429, RATE_LIMITED_DETAIL), limits };
}

/**
 * Sessions, client reports and counters wait only for a full queue (no quota counts them):
 * nothing may add queue jobs past QUEUE_MAX_DEPTH, or a flood of reports would fill Redis.
 */
export function isAuxLimited(_type: string, deps: ProtectionDeps): boolean {
  return deps.queueDepth?.isFull() ?? false;
}

const NO_DEFAULTS: QuotaDefaults = {
  projectPerMinute: null,
  projectPerHour: null,
  orgPerMinute: null,
  orgPerHour: null,
};
const parsedSettings = new WeakMap<ProjectKeyInfo, InboundFilterSettings>();

/** The key's project filter settings, parsed once per cached key entry. */
export function filterSettingsOf(key: ProjectKeyInfo): InboundFilterSettings {
  let s = parsedSettings.get(key);
  if (!s) {
    s = parseFilterSettings(key.inboundFilters);
    parsedSettings.set(key, s);
  }
  return s;
}

/**
 * JS and Python SDKs put release and environment in the envelope's `trace` header (the dynamic
 * sampling context): filtering on them here spares the queue. The worker filters again on the
 * event itself, so envelopes without the header lose nothing.
 */
function filterByTraceHeader(key: ProjectKeyInfo, headers: Record<string, unknown>): FilterReason | null {
  const trace = headers.trace;
  if (!isObject(trace)) return null;
  const settings = filterSettingsOf(key);
  if (settings.releases.length === 0 && settings.environments.length === 0) return null;
  const facts = { release: trace.release, environment: trace.environment };
  return releases(facts, settings) ?? environments(facts, settings);
}
