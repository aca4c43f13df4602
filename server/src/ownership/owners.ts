// Owners of an event (DB-bound wrapper of rules.ts): the project's rules matched against the
// event's frames, request URL and tags, owners resolved to members and teams. Serves the owners
// endpoint, auto-assignment of new issues and the `owners` alert action.
import type { Queryable } from '../db/pool.js';
import { eventFrames } from '../commits/committers.js';
import { findOwners, parseRules, type OwnershipEvent, type OwnershipRule } from './rules.js';
import { findMembersByEmails, listTeamMembers, listTeamsBySlug, type MemberRef, type OwnershipRow } from './queries.js';

export type ResolvedOwner =
  | { type: 'user'; id: string; name: string; email: string }
  | { type: 'team'; id: string; name: string; slug: string; members: MemberRef[] };

export interface EventOwners {
  owners: ResolvedOwner[];
  rules: OwnershipRule[];
}

/** Frames rules look at, counted from the crash (bounds rules × frames per event). */
const MAX_FRAMES = 200;

export function ownershipEvent(payload: Record<string, unknown>): OwnershipEvent {
  const request = payload.request as { url?: unknown } | undefined;
  const rawTags = payload.tags;
  const tags: Array<[string, string]> = Array.isArray(rawTags)
    ? rawTags.filter(
        (t): t is [string, string] => Array.isArray(t) && typeof t[0] === 'string' && typeof t[1] === 'string',
      )
    : rawTags && typeof rawTags === 'object'
      ? Object.entries(rawTags).filter((e): e is [string, string] => typeof e[1] === 'string')
      : [];
  return {
    frames: eventFrames(payload).slice(-MAX_FRAMES),
    url: typeof request?.url === 'string' ? request.url : null,
    tags,
  };
}

/** Owners in precedence order; owners that are no longer members or teams are left out. */
export async function findEventOwners(
  db: Queryable,
  ownership: OwnershipRow,
  payload: Record<string, unknown>,
): Promise<EventOwners> {
  if (ownership.raw.trim() === '') return { owners: [], rules: [] };
  const { rules } = parseRules(ownership.raw); // stored rules were validated on save
  const found = findOwners(rules, ownershipEvent(payload));
  const emails = found.owners.flatMap((o) => (o.type === 'user' ? [o.email] : []));
  const slugs = found.owners.flatMap((o) => (o.type === 'team' ? [o.slug] : []));
  const [members, teams] = await Promise.all([
    findMembersByEmails(db, ownership.organizationId, emails),
    listTeamsBySlug(db, ownership.organizationId, slugs),
  ]);
  const teamMembers = await listTeamMembers(
    db,
    [...teams.values()].map((t) => t.id),
  );
  const owners: ResolvedOwner[] = [];
  for (const o of found.owners) {
    if (o.type === 'user') {
      const m = members.get(o.email);
      if (m) owners.push({ type: 'user', id: m.id, name: m.name || m.email, email: m.email });
    } else {
      const t = teams.get(o.slug);
      if (t)
        owners.push({
          type: 'team',
          id: t.id,
          name: t.name,
          slug: t.slug,
          members: teamMembers.filter((m) => m.teamId === t.id).map(({ teamId: _t, ...m }) => m),
        });
    }
  }
  return { owners, rules: found.rules };
}

/** The e-mail addresses that reach the owners (team owners reach their members). */
export function ownerEmails(owners: ResolvedOwner[]): string[] {
  return [
    ...new Set(
      owners
        .flatMap((o) => (o.type === 'user' ? [o.email] : o.members.map((m) => m.email)))
        .map((e) => e.toLowerCase()),
    ),
  ];
}
