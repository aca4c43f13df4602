// Who may change whom in an organization. Pure rules over roles; the routes load the rows.
// Owners manage everyone; admins manage admins and members but never owners; anyone may leave;
// an organization always keeps at least one owner.
import type { MemberRole } from '../organizations/queries.js';

export type MemberDecision = { ok: true } | { ok: false; code: string; message: string };

const OK: MemberDecision = { ok: true };
const deny = (code: string, message: string): MemberDecision => ({ ok: false, code, message });

export function canManageMembers(role: MemberRole): boolean {
  return role === 'owner' || role === 'admin';
}

/** Roles the actor may hand out in invitations and role changes. */
export function grantableRoles(actor: MemberRole): MemberRole[] {
  if (actor === 'owner') return ['owner', 'admin', 'member'];
  if (actor === 'admin') return ['admin', 'member'];
  return [];
}

export function canChangeRole(a: {
  actor: MemberRole;
  target: MemberRole;
  next: MemberRole;
  ownerCount: number;
}): MemberDecision {
  if (!canManageMembers(a.actor)) return deny('forbidden', 'only owners and admins change roles');
  if (a.target === 'owner' && a.actor !== 'owner') return deny('forbidden', 'only owners change an owner');
  if (!grantableRoles(a.actor).includes(a.next))
    return deny('forbidden', `an ${a.actor} cannot grant the ${a.next} role`);
  if (a.target === 'owner' && a.next !== 'owner' && a.ownerCount <= 1)
    return deny('last-owner', 'the organization needs at least one owner: make someone else owner first');
  return OK;
}

export function canRemoveMember(a: {
  actor: MemberRole;
  isSelf: boolean;
  target: MemberRole;
  ownerCount: number;
}): MemberDecision {
  if (a.target === 'owner' && a.ownerCount <= 1)
    return deny('last-owner', 'the organization needs at least one owner: make someone else owner first');
  if (a.isSelf) return OK;
  if (!canManageMembers(a.actor)) return deny('forbidden', 'only owners and admins remove members');
  if (a.target === 'owner' && a.actor !== 'owner') return deny('forbidden', 'only owners remove an owner');
  return OK;
}

/** Whether an invitation can still be accepted at `now`. */
export function isInvitationUsable(
  inv: { expiresAt: Date; acceptedAt: Date | null; revokedAt: Date | null },
  now: Date,
): boolean {
  return inv.acceptedAt === null && inv.revokedAt === null && inv.expiresAt.getTime() > now.getTime();
}
