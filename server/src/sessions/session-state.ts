// Remembers each live session's counted status in Redis so a session is counted once, under
// its latest status: a new session adds 1, a status change moves 1 from the old status to the
// new. Best effort: state expires after a day of silence, and a lost key counts a session again.
// When the counts could not be written, the caller undoes its advances so the retried batch
// counts them (undoSessionAdvances); an advance another worker made since is left alone.
import type { RedisClient } from '../shared/redis.js';
import { SESSION_STATUS_RANK, type SessionCountRow, type SessionStatus, type SessionUpdate } from './aux-payloads.js';

const STATE_TTL_SECONDS = 24 * 3600; // sessions silent longer than this are over

// Sets the status only when it ranks higher than the stored one. Value: "<rank><status>".
// Returns {1, previous or ''} when it changed, {0, previous} when not.
const ADVANCE_SCRIPT = `
local prev = redis.call('GET', KEYS[1])
if prev and tonumber(string.sub(prev, 1, 1)) >= tonumber(ARGV[1]) then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return {0, prev}
end
redis.call('SET', KEYS[1], ARGV[1] .. ARGV[2], 'EX', ARGV[3])
return {1, prev or ''}`;

// Puts the previous value back only while the key still holds what this batch set.
// KEYS[1]; ARGV[1] the value set, ARGV[2] the previous one ('' = none), ARGV[3] ttl.
const UNDO_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
return 1`;

/** One state change a batch made: what to put back if its counts are not written. */
export interface SessionAdvance {
  key: string;
  set: string;
  prev: string;
}

export function sessionStateKey(prefix: string, projectId: string, sid: string): string {
  return `${prefix}:{sessions}:${projectId}:${sid}`; // {sessions}: one pipeline spans sessions (Redis Cluster slot)
}

/** Applies updates in order and returns the session count deltas they cause. */
export async function advanceSessions(
  redis: RedisClient,
  prefix: string,
  updates: SessionUpdate[],
  /** Receives each change made, in order (for undoSessionAdvances). */
  advances: SessionAdvance[] = [],
): Promise<SessionCountRow[]> {
  if (updates.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const u of updates) {
    pipeline.eval(
      ADVANCE_SCRIPT,
      1,
      sessionStateKey(prefix, u.projectId, u.sid),
      SESSION_STATUS_RANK[u.status],
      u.status,
      STATE_TTL_SECONDS,
    );
  }
  const results = (await pipeline.exec()) ?? [];
  const rows: SessionCountRow[] = [];
  updates.forEach((u, i) => {
    const [err, reply] = results[i] ?? [new Error('no reply'), null];
    if (err) throw new Error(`session state update failed: ${err.message}`, { cause: err });
    const [changed, prev] = reply as [number, string];
    if (changed !== 1) return;
    advances.push({
      key: sessionStateKey(prefix, u.projectId, u.sid),
      set: `${SESSION_STATUS_RANK[u.status]}${u.status}`,
      prev,
    });
    const { sid: _sid, did: _did, status, ...bucket } = u;
    rows.push({ ...bucket, status, count: 1 });
    if (prev) rows.push({ ...bucket, status: prev.slice(1) as SessionStatus, count: -1 });
  });
  return rows;
}

/** Reverts a batch's changes, newest first, where no later update moved the session since. */
export async function undoSessionAdvances(redis: RedisClient, advances: SessionAdvance[]): Promise<void> {
  if (advances.length === 0) return;
  const pipeline = redis.pipeline();
  for (const a of [...advances].reverse()) pipeline.eval(UNDO_SCRIPT, 1, a.key, a.set, a.prev, STATE_TTL_SECONDS);
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw new Error(`session state undo failed: ${failed[0]!.message}`, { cause: failed[0] });
}
