// Issue unmerge (Sentry's PUT /issues/{id}/hashes/?id=HASH), the pure parts: which hashes may
// leave the issue, and what a batch of moved events adds to one issue's counters and takes from
// the other's. The writes are in unmerge-queries.ts, the background batches in unmerge-runner.ts.
import { HttpError } from '../api/errors.js';

/** Most hashes one request may unmerge, and the longest hash accepted (ours are 32 hex). */
export const MAX_UNMERGE_HASHES = 100;
const MAX_HASH_LENGTH = 128;

export function unmergeInProgress(): HttpError {
  return new HttpError(
    409,
    'unmerge-in-progress',
    'an unmerge of this issue is still moving events; try again when it has finished',
  );
}

/** The `id` query values, bounded before anything else looks at them. */
export function parseUnmergeHashes(raw: string | string[] | undefined): string[] {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length > MAX_UNMERGE_HASHES)
    throw new HttpError(400, 'too-many-hashes', `id: at most ${MAX_UNMERGE_HASHES} hashes per unmerge`);
  for (const h of list) {
    if (h.length === 0 || h.length > MAX_HASH_LENGTH || !/^[0-9A-Za-z_.:-]+$/.test(h))
      throw new HttpError(400, 'invalid-hash', 'id: each hash is 1 to 128 letters, digits or _.:-');
  }
  return [...new Set(list)];
}

/**
 * The hashes that move: those of the request the issue has. All of them would only rename the
 * issue, so that is refused, as is a request naming none of its hashes.
 */
export function planUnmerge(requested: string[], issueHashes: string[]): string[] {
  const own = new Set(issueHashes);
  const moving = requested.filter((h) => own.has(h));
  if (moving.length === 0)
    throw new HttpError(400, 'hash-not-in-issue', 'id: none of these hashes belongs to the issue');
  if (moving.length === own.size)
    throw new HttpError(400, 'unmerge-all-hashes', 'id: an issue keeps at least one hash; unmerge fewer');
  return moving.sort();
}

/** One stored event as an unmerge batch reads it. */
export interface MovedEvent {
  eventId: string;
  timestamp: Date;
  release: string | null;
  tags: Array<[string, string]>;
  /** Its (flag, result) evaluations, as the pipeline counted them (flags/evaluations.ts). */
  flags: Array<[string, string]>;
}

/** A tag value (key, value) or a flag result (flag, result) counted per issue, with its sightings. */
export interface SightingCount {
  key: string;
  value: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

export interface MovedTally {
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  hourly: Array<{ hour: string; count: number }>;
  tags: SightingCount[];
  flags: SightingCount[];
  releases: string[];
}

const HOUR_MS = 3_600_000;

/**
 * What the events add up to, per hour, per tag value (empty values are not counted, as in
 * tally.ts) and per flag result (every evaluation, as in tally-flags.ts).
 */
export function tallyMoved(events: MovedEvent[]): MovedTally | null {
  if (events.length === 0) return null;
  const hourly = new Map<string, number>();
  const tags = new Sightings();
  const flags = new Sightings();
  const releases = new Set<string>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    const ts = e.timestamp.getTime();
    first = Math.min(first, ts);
    last = Math.max(last, ts);
    const hour = new Date(Math.floor(ts / HOUR_MS) * HOUR_MS).toISOString();
    hourly.set(hour, (hourly.get(hour) ?? 0) + 1);
    if (e.release) releases.add(e.release);
    for (const [key, value] of e.tags) if (value !== '') tags.add(key, value, ts);
    for (const [flag, result] of e.flags) flags.add(flag, result, ts);
  }
  return {
    count: events.length,
    firstSeen: new Date(first),
    lastSeen: new Date(last),
    hourly: [...hourly].map(([hour, count]) => ({ hour, count })).sort((a, b) => cmp(a.hour, b.hour)),
    tags: tags.rows(),
    flags: flags.rows(),
    releases: [...releases].sort(),
  };
}

/** Counts and first/last sighting per (key, value); rows sorted by key, value (lock order). */
class Sightings {
  private readonly byPair = new Map<
    string,
    { key: string; value: string; count: number; first: number; last: number }
  >();

  add(key: string, value: string, ts: number): void {
    const k = `${key}\u0000${value}`;
    const s = this.byPair.get(k);
    if (!s) this.byPair.set(k, { key, value, count: 1, first: ts, last: ts });
    else {
      s.count++;
      s.first = Math.min(s.first, ts);
      s.last = Math.max(s.last, ts);
    }
  }

  rows(): SightingCount[] {
    return [...this.byPair.values()]
      .map((s) => ({
        key: s.key,
        value: s.value,
        count: s.count,
        firstSeen: new Date(s.first).toISOString(),
        lastSeen: new Date(s.last).toISOString(),
      }))
      .sort((a, b) => cmp(a.key, b.key) || cmp(a.value, b.value));
  }
}

/** The tag pairs of a stored payload (`tags` as the pipeline stored them: [key, value] pairs). */
export function payloadTags(payload: Record<string, unknown>): Array<[string, string]> {
  const tags = payload.tags;
  if (!Array.isArray(tags)) return [];
  return tags.filter(
    (t): t is [string, string] => Array.isArray(t) && typeof t[0] === 'string' && typeof t[1] === 'string',
  );
}

/** The hash that decided a stored event's issue: the column, or for older rows the payload's first hash. */
export function primaryHashOf(column: string | null, payload: Record<string, unknown> | null): string | null {
  if (column !== null) return column;
  const hashes = payload?.hashes;
  return Array.isArray(hashes) && typeof hashes[0] === 'string' ? hashes[0] : null;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
