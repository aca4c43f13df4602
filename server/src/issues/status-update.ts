// Triage requests (PUT on one issue or in bulk), Sentry style: the body schema and the pure
// translation of `status` + `statusDetails` into the columns to write. Sentry's names are kept:
// `resolvedInNextRelease`, `muted`/`archived` (= ignored), ignoreDuration in minutes,
// ignoreCount / ignoreUserCount as "N more", sentry-cli's `snoozeDuration`.
import { z } from 'zod';
import type { IssueStatus } from './search.js';
import { isBigintId } from '../db/ids.js';

const count = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const issueUpdateSchema = z.object({
  status: z.enum(['resolved', 'resolvedInNextRelease', 'unresolved', 'ignored', 'muted', 'archived']).optional(),
  substatus: z
    .enum([
      'archived_until_escalating',
      'archived_until_condition_met',
      'archived_forever',
      'ongoing',
      'escalating',
      'regressed',
      'new',
    ])
    .nullish(),
  statusDetails: z
    .object({
      inRelease: z.string().trim().min(1).max(200).optional(),
      inNextRelease: z.boolean().optional(),
      ignoreDuration: count.optional(),
      ignoreCount: count.optional(),
      ignoreWindow: count.optional(),
      ignoreUserCount: count.optional(),
      ignoreUserWindow: count.optional(),
      ignoreUntilEscalating: z.boolean().optional(),
    })
    .optional(),
  ignoreDuration: count.nullish(),
  snoozeDuration: count.nullish(),
  assignedTo: z.string().max(320).nullish(),
  // Bulk only (?id=…&id=…): merge the selected issues into one (merge.ts).
  merge: z.union([z.boolean(), z.literal(0), z.literal(1)]).optional(),
  // Sentry UI flags: accepted so its requests do not fail, not stored.
  hasSeen: z.boolean().optional(),
  isBookmarked: z.boolean().optional(),
  isSubscribed: z.boolean().optional(),
  isPublic: z.boolean().optional(),
});

export type IssueUpdate = z.infer<typeof issueUpdateSchema>;

export interface StatusChange {
  status: IssueStatus;
  substatus: string | null;
  /** For resolves: Sentry's statusDetails resolution ask; turned into columns per project by
   *  releases/regressions.ts resolutionColumnsFor (it needs the project's newest release). */
  resolution: { inRelease?: string; inNextRelease?: boolean } | null;
  /** Ignore conditions as the API shows them in statusDetails. */
  ignoreDetails: Record<string, unknown>;
  ignoreUntil: Date | null;
  /** "N more events / users": the query adds the issue's current count. */
  ignoreCountDelta: number | null;
  ignoreUserCountDelta: number | null;
  activity: { kind: string; data: Record<string, unknown> };
}

/** null when the request does not change the status. */
export function planStatusChange(update: IssueUpdate, now: Date): StatusChange | null {
  const d = update.statusDetails ?? {};
  switch (update.status) {
    case undefined:
      return null;
    case 'unresolved':
      return base('unresolved', 'ongoing', { kind: 'set_unresolved', data: {} });
    case 'resolvedInNextRelease':
      return resolved({ inNextRelease: true });
    case 'resolved':
      return resolved(d);
    default:
      return ignored(update, now);
  }
}

function base(status: IssueStatus, substatus: string | null, activity: StatusChange['activity']): StatusChange {
  return {
    status,
    substatus,
    resolution: null,
    ignoreDetails: {},
    ignoreUntil: null,
    ignoreCountDelta: null,
    ignoreUserCountDelta: null,
    activity,
  };
}

function resolved(d: { inRelease?: string; inNextRelease?: boolean }): StatusChange {
  if (d.inNextRelease) {
    return {
      ...base('resolved', null, { kind: 'set_resolved_in_release', data: { inNextRelease: true } }),
      resolution: { inNextRelease: true },
    };
  }
  if (d.inRelease) {
    return {
      ...base('resolved', null, { kind: 'set_resolved_in_release', data: { version: d.inRelease } }),
      resolution: { inRelease: d.inRelease },
    };
  }
  return { ...base('resolved', null, { kind: 'set_resolved', data: {} }), resolution: {} };
}

function ignored(update: IssueUpdate, now: Date): StatusChange {
  const d = update.statusDetails ?? {};
  const minutes = d.ignoreDuration ?? update.ignoreDuration ?? update.snoozeDuration ?? null;
  const ignoreUntil = minutes !== null ? new Date(now.getTime() + minutes * 60_000) : null;
  const details: Record<string, unknown> = {};
  if (minutes !== null) Object.assign(details, { ignoreDuration: minutes, ignoreUntil: ignoreUntil!.toISOString() });
  if (d.ignoreCount !== undefined) Object.assign(details, { ignoreCount: d.ignoreCount, ignoreWindow: d.ignoreWindow });
  if (d.ignoreUserCount !== undefined)
    Object.assign(details, { ignoreUserCount: d.ignoreUserCount, ignoreUserWindow: d.ignoreUserWindow });
  const conditional = Object.keys(details).length > 0;
  const untilEscalating = d.ignoreUntilEscalating === true || update.substatus === 'archived_until_escalating';
  const substatus = conditional
    ? 'archived_until_condition_met'
    : untilEscalating
      ? 'archived_until_escalating'
      : 'archived_forever';
  return {
    ...base('ignored', substatus, { kind: 'set_ignored', data: { ...details, substatus } }),
    ignoreDetails: details,
    ignoreUntil,
    ignoreCountDelta: d.ignoreCount ?? null,
    ignoreUserCountDelta: d.ignoreUserCount ?? null,
  };
}

export type AssigneeRef =
  { kind: 'none' } | { kind: 'user'; id: string } | { kind: 'email'; email: string } | { kind: 'team'; id: string };

/**
 * Sentry's assignedTo: "user:<id>", a bare user id, an email, "team:<id>", or ""/null to
 * unassign. Null when it names none of these (a "team:" without a numeric id).
 */
export function parseAssignee(value: string | null): AssigneeRef | null {
  if (value === null || value.trim() === '') return { kind: 'none' };
  const v = value.trim();
  if (v.startsWith('team:')) return isBigintId(v.slice(5)) ? { kind: 'team', id: v.slice(5) } : null;
  const id = v.startsWith('user:') ? v.slice(5) : v;
  if (isBigintId(id)) return { kind: 'user', id };
  return { kind: 'email', email: v };
}
