// Steps "rank" (per batch, before the transaction opens) and "sample" (inside it, between group
// and store): spike protection. Per fingerprint and minute a Redis hash ranks the event ids (once per
// id, so a retry keeps its rank); past SPIKE_EVENTS_PER_MINUTE only a hash-chosen sample is
// stored (spikes/decide.ts), the rest is counted without its payload. Ranking talks to Redis, so
// it runs before any lock is taken, when the issue is not known yet: the counter is the event's
// fingerprint (project + primary hash), which is the issue's unless issues were merged (then each
// merged fingerprint has its own budget). Every delivery of an event ranks in the same counter.
// Counting stays exact and idempotent: a sampled event is recorded in sampled_events in this
// transaction and counted only if newly recorded (and not stored by an earlier delivery), and a
// stored-path event already recorded as sampled is a duplicate. Redis only chooses what to keep.
import type { Queryable } from '../db/pool.js';
import { minuteOf, shouldStore, type SpikeSettings } from '../spikes/decide.js';
import {
  findSampledEvents,
  insertSampledEvents,
  sampledEventKey,
  upsertIssueSampling,
  type IssueSamplingDelta,
} from '../spikes/queries.js';
import type { Deps } from '../deps.js';
import type { AssignedEvent, PreparedEvent } from './prepared.js';
import { iso } from './tally.js';

/** Minute counters outlive their minute by this much (late batches of the minute still rank). */
const COUNTER_TTL_SECONDS = 300;

export interface Sampled {
  /** Go on to store (and count if stored). */
  keep: AssignedEvent[];
  /** Newly recorded as sampled: counted, not stored. */
  countOnly: AssignedEvent[];
}

type SampleDeps = Pick<Deps, 'config'>;
type RankDeps = Pick<Deps, 'redis' | 'log' | 'config'>;

function spikeSettings(deps: SampleDeps): SpikeSettings {
  return { threshold: deps.config.protection.spikeEventsPerMinute, sampleRate: deps.config.protection.spikeSampleRate };
}

/** The "sample" step: splits the batch by the ranks the "rank" step gave (1 when unranked). */
export async function sample(tx: Queryable, deps: SampleDeps, events: AssignedEvent[]): Promise<Sampled> {
  const settings = spikeSettings(deps);
  if (settings.threshold <= 0 || events.length === 0) return { keep: events, countOnly: [] };
  const keepCandidates: AssignedEvent[] = [];
  const sampleCandidates: AssignedEvent[] = [];
  for (const e of events)
    (shouldStore(e.spikeRank ?? 1, e.eventId, settings) ? keepCandidates : sampleCandidates).push(e);

  const alreadySampled = await findSampledEvents(
    tx,
    keepCandidates.map((e) => ({ projectId: e.projectId, eventId: e.eventId })),
  );
  const keep = keepCandidates.filter((e) => !alreadySampled.has(sampledEventKey(e.projectId, e.eventId)));
  const inserted = await insertSampledEvents(
    tx,
    sampleCandidates.map((e) => ({
      projectId: e.projectId,
      eventId: e.eventId,
      issueId: e.issueId,
      timestamp: iso(e.event.timestamp),
      receivedAt: iso(e.receivedAt / 1000),
    })),
  );
  const countOnly = sampleCandidates.filter((e) => inserted.has(sampledEventKey(e.projectId, e.eventId)));
  await upsertIssueSampling(tx, samplingDeltas(countOnly));
  return { keep, countOnly };
}

/**
 * Ranks each fingerprint-minute's event ids in arrival order, once per id: a retried batch (the
 * fallback that re-runs a failed batch event by event, a redelivered job) gets the rank it had the
 * first time, so a retry never pushes an event past the threshold. One call for the whole batch:
 * KEYS are the batch's fingerprint-minute hashes (one slot in a cluster: they share the `{spike}`
 * tag); ARGV[k] is how many ids key k ranks, then come the ids, key after key. Returns the ranks in
 * that order.
 */
const RANK_SCRIPT = `
local ranks = {}
local at = #KEYS
for k, key in ipairs(KEYS) do
  local ranked = redis.call('HLEN', key)
  for _ = 1, tonumber(ARGV[k]) do
    at = at + 1
    local id = ARGV[at]
    if redis.call('HSETNX', key, id, ranked + 1) == 1 then
      ranked = ranked + 1
      ranks[#ranks + 1] = ranked
    else
      ranks[#ranks + 1] = tonumber(redis.call('HGET', key, id))
    end
  end
  redis.call('EXPIRE', key, ${COUNTER_TTL_SECONDS})
end
return ranks`;

/**
 * The "rank" step: sets each event's rank in its fingerprint's minute (1-based, in batch order).
 * One script call per batch (a call per fingerprint-minute cost Redis ~45 µs each, most of the
 * spike counters' price). Without Redis every event ranks first: everything is stored (fail
 * open). A batch retried event by event keeps the ranks set here.
 */
export async function rankEvents(deps: RankDeps, events: PreparedEvent[]): Promise<void> {
  if (spikeSettings(deps).threshold <= 0 || events.length === 0) return;
  const groups = new Map<string, number[]>();
  events.forEach((e, i) => {
    const key = `${deps.config.redis.prefix}:{spike}:${e.projectId}:${e.grouping.hashes[0] ?? ''}:${minuteOf(e.receivedAt)}`;
    const indexes = groups.get(key);
    if (indexes) indexes.push(i);
    else groups.set(key, [i]);
  });
  const ranks = new Array<number>(events.length).fill(1);
  try {
    const keys = [...groups.keys()];
    const lists = [...groups.values()];
    const order = lists.flat();
    const reply = (await deps.redis.eval(
      RANK_SCRIPT,
      keys.length,
      ...keys,
      ...lists.map((indexes) => indexes.length),
      ...order.map((i) => events[i]!.eventId),
    )) as number[];
    if (!Array.isArray(reply) || reply.length !== order.length) throw new Error('spike ranks: unexpected reply');
    order.forEach((eventIndex, n) => (ranks[eventIndex] = Number(reply[n])));
  } catch (err) {
    deps.log.warn({ err }, 'spike counters unavailable, storing every event of the batch');
    ranks.fill(1);
  }
  events.forEach((e, i) => (e.spikeRank = ranks[i]));
}

function samplingDeltas(events: AssignedEvent[]): IssueSamplingDelta[] {
  const byIssue = new Map<string, IssueSamplingDelta>();
  for (const e of events) {
    const at = iso(e.receivedAt / 1000);
    const d = byIssue.get(e.issueId);
    if (!d) byIssue.set(e.issueId, { issueId: e.issueId, count: 1, firstAt: at, lastAt: at });
    else {
      d.count++;
      if (at < d.firstAt) d.firstAt = at;
      if (at > d.lastAt) d.lastAt = at;
    }
  }
  return [...byIssue.values()];
}
