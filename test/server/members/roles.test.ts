import { describe, expect, it } from 'vitest';
import {
  canChangeRole,
  canRemoveMember,
  grantableRoles,
  isInvitationUsable,
} from '../../../server/src/members/roles.js';

describe('canChangeRole', () => {
  it.each([
    [{ actor: 'owner', target: 'member', next: 'admin', ownerCount: 1 }, true],
    [{ actor: 'owner', target: 'admin', next: 'owner', ownerCount: 1 }, true],
    [{ actor: 'admin', target: 'member', next: 'admin', ownerCount: 1 }, true],
    [{ actor: 'admin', target: 'member', next: 'owner', ownerCount: 1 }, false],
    [{ actor: 'admin', target: 'owner', next: 'member', ownerCount: 2 }, false],
    [{ actor: 'member', target: 'member', next: 'admin', ownerCount: 1 }, false],
    [{ actor: 'owner', target: 'owner', next: 'member', ownerCount: 1 }, false],
    [{ actor: 'owner', target: 'owner', next: 'member', ownerCount: 2 }, true],
  ] as const)('%j → %s', (args, ok) => expect(canChangeRole(args).ok).toBe(ok));
});

describe('canRemoveMember', () => {
  it.each([
    [{ actor: 'member', isSelf: true, target: 'member', ownerCount: 1 }, true],
    [{ actor: 'member', isSelf: false, target: 'member', ownerCount: 1 }, false],
    [{ actor: 'admin', isSelf: false, target: 'member', ownerCount: 1 }, true],
    [{ actor: 'admin', isSelf: false, target: 'owner', ownerCount: 2 }, false],
    [{ actor: 'owner', isSelf: true, target: 'owner', ownerCount: 1 }, false],
    [{ actor: 'owner', isSelf: false, target: 'owner', ownerCount: 2 }, true],
  ] as const)('%j → %s', (args, ok) => expect(canRemoveMember(args).ok).toBe(ok));

  it('names the last-owner rule', () => {
    expect(canRemoveMember({ actor: 'owner', isSelf: true, target: 'owner', ownerCount: 1 })).toMatchObject({
      ok: false,
      code: 'last-owner',
    });
  });
});

describe('grants and invitations', () => {
  it('lets owners grant every role and admins no owner role', () => {
    expect(grantableRoles('owner')).toEqual(['owner', 'admin', 'member']);
    expect(grantableRoles('admin')).toEqual(['admin', 'member']);
    expect(grantableRoles('member')).toEqual([]);
  });
  it('accepts an invitation only while pending and unexpired', () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const later = new Date('2026-11-27T00:00:00Z');
    expect(isInvitationUsable({ expiresAt: later, acceptedAt: null, revokedAt: null }, now)).toBe(true);
    expect(isInvitationUsable({ expiresAt: now, acceptedAt: null, revokedAt: null }, now)).toBe(false);
    expect(isInvitationUsable({ expiresAt: later, acceptedAt: now, revokedAt: null }, now)).toBe(false);
    expect(isInvitationUsable({ expiresAt: later, acceptedAt: null, revokedAt: now }, now)).toBe(false);
  });
});
