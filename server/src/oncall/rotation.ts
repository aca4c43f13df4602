// Who is on call at an instant: an ordered rotation of members handing off every N days/weeks at
// a wall-clock time in a time zone, with overrides laid on top (a later override wins). Pure:
// `now` is a parameter; oncall/resolve.ts and the routes load the schedule and call in.
import { addDays, daysBetween, parseLocalDate, zonedParts, zonedToUtc, type LocalDate } from './zoned-time.js';

export interface Schedule {
  memberIds: string[];
  rotationLength: number;
  rotationUnit: 'days' | 'weeks';
  /** "HH:MM", wall-clock time in timeZone. */
  handoffTime: string;
  timeZone: string;
  /** "YYYY-MM-DD": the local date of the first hand-off (memberIds[0] starts then). */
  startDate: string;
}

export interface Override {
  id: string;
  userId: string;
  start: number; // ms since epoch
  end: number;
}

export interface OnCallSlot {
  userId: string;
  start: number;
  end: number;
  source: 'rotation' | 'override';
  overrideId?: string;
}

interface Shift {
  index: number;
  start: number;
  end: number;
}

function shiftDays(s: Schedule): number {
  return s.rotationLength * (s.rotationUnit === 'weeks' ? 7 : 1);
}

function handoffAt(s: Schedule, date: LocalDate): number {
  const [hour, minute] = s.handoffTime.split(':').map(Number);
  return zonedToUtc({ ...date, hour: hour ?? 0, minute: minute ?? 0 }, s.timeZone);
}

/** The rotation shift containing instant t, or null before the first hand-off / without members. */
export function shiftAt(s: Schedule, t: number): Shift | null {
  const start = parseLocalDate(s.startDate);
  if (!start || s.memberIds.length === 0) return null;
  const local = zonedParts(t, s.timeZone);
  let date: LocalDate = { year: local.year, month: local.month, day: local.day };
  if (t < handoffAt(s, date)) date = addDays(date, -1);
  const n = daysBetween(start, date);
  if (n < 0) return null;
  const length = shiftDays(s);
  const index = Math.floor(n / length);
  const first = addDays(start, index * length);
  return { index, start: handoffAt(s, first), end: handoffAt(s, addDays(first, length)) };
}

/** Who is on call at instant t, with the slot's true boundaries (overrides cut rotations). */
export function slotAt(s: Schedule, overrides: readonly Override[], t: number): OnCallSlot | null {
  const coverIdx = findLastIndex(overrides, (o) => o.start <= t && t < o.end);
  if (coverIdx >= 0) {
    const o = overrides[coverIdx]!;
    const stronger = overrides.slice(coverIdx + 1);
    return {
      userId: o.userId,
      source: 'override',
      overrideId: o.id,
      start: Math.max(o.start, ...stronger.filter((x) => x.end <= t && x.end > o.start).map((x) => x.end)),
      end: Math.min(o.end, ...stronger.filter((x) => x.start > t && x.start < o.end).map((x) => x.start)),
    };
  }
  const shift = shiftAt(s, t);
  if (!shift) return null;
  return {
    userId: s.memberIds[shift.index % s.memberIds.length]!,
    source: 'rotation',
    start: Math.max(shift.start, ...overrides.filter((x) => x.end <= t && x.end > shift.start).map((x) => x.end)),
    end: Math.min(shift.end, ...overrides.filter((x) => x.start > t && x.start < shift.end).map((x) => x.start)),
  };
}

/** The person on call now and the next different person, with hand-off instants. */
export function whoIsOnCall(
  s: Schedule,
  overrides: readonly Override[],
  now: number,
): { current: OnCallSlot | null; next: OnCallSlot | null } {
  const current = slotAt(s, overrides, now);
  let t: number | null = current?.end ?? firstBoundaryAfter(s, overrides, now);
  // A slot can end in another slot of the same person (an override inside their own shift).
  for (let i = 0; i < 16 && t !== null; i++) {
    const next = slotAt(s, overrides, t);
    if (next && next.userId !== current?.userId) return { current, next };
    t = next ? next.end : firstBoundaryAfter(s, overrides, t);
  }
  return { current, next: null };
}

function firstBoundaryAfter(s: Schedule, overrides: readonly Override[], now: number): number | null {
  const start = parseLocalDate(s.startDate);
  const candidates = overrides.filter((o) => o.start > now).map((o) => o.start);
  if (start && s.memberIds.length > 0) {
    const first = handoffAt(s, start);
    if (first > now) candidates.push(first);
  }
  return candidates.length > 0 ? Math.min(...candidates) : null;
}

function findLastIndex<T>(items: readonly T[], pred: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (pred(items[i]!)) return i;
  return -1;
}
