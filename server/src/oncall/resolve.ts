// Who is on call for a project at an instant, with user details: loads the schedule and its
// overrides and asks the pure rotation. Used by the oncall action of alert rules and the API.
import type { Queryable } from '../db/pool.js';
import { findSchedule, findUsers, listOverrides, type OncallUser, type ScheduleRow } from './queries.js';
import { whoIsOnCall, type OnCallSlot } from './rotation.js';

export interface ResolvedSlot {
  user: OncallUser | null;
  userId: string;
  start: string;
  end: string;
  source: OnCallSlot['source'];
}

export interface OnCallNow {
  schedule: ScheduleRow | null;
  current: ResolvedSlot | null;
  next: ResolvedSlot | null;
}

export async function findOnCall(db: Queryable, projectId: string, now: number): Promise<OnCallNow> {
  const schedule = await findSchedule(db, projectId);
  const overrides = await listOverrides(db, projectId, new Date(now));
  if (!schedule && overrides.length === 0) return { schedule: null, current: null, next: null };
  const base = schedule ?? {
    memberIds: [],
    rotationLength: 1,
    rotationUnit: 'weeks' as const,
    handoffTime: '00:00',
    timeZone: 'UTC',
    startDate: '1970-01-01',
  };
  const { current, next } = whoIsOnCall(base, overrides, now);
  const users = await findUsers(
    db,
    [current?.userId, next?.userId].filter((id): id is string => id !== undefined),
  );
  const resolve = (slot: OnCallSlot | null): ResolvedSlot | null =>
    slot && {
      user: users.get(slot.userId) ?? null,
      userId: slot.userId,
      source: slot.source,
      start: new Date(slot.start).toISOString(),
      end: new Date(slot.end).toISOString(),
    };
  return { schedule, current: resolve(current), next: resolve(next) };
}
