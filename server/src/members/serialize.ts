// Member and invitation JSON (Sentry's member fields where they exist).
import type { InvitationPreviewRow, InvitationRow, MemberRow } from './queries.js';

export interface ApiMemberBody {
  id: string;
  email: string;
  name: string;
  role: MemberRow['role'];
  roleName: string;
  pending: false;
  expired: false;
  user: { id: string; email: string; name: string };
  dateCreated: string;
}

export interface ApiInvitationBody {
  id: string;
  email: string | null;
  role: InvitationRow['role'];
  expiresAt: string;
  dateCreated: string;
  invitedBy: InvitationRow['invitedBy'];
  /** Only in the create response: the link is shown once. */
  token?: string;
  url?: string;
}

/** GET /invitations/{token}/: what the invitation page shows before it is accepted. */
export interface ApiInvitationPreview {
  organization: { slug: string; name: string };
  role: InvitationRow['role'];
  email: string | null;
  expiresAt: string;
}

/** POST /invitations/{token}/accept/: the organization just joined. */
export interface ApiInvitationAccepted {
  organization: { slug: string; name: string };
}

const ROLE_NAMES = { owner: 'Owner', admin: 'Admin', member: 'Member' } as const;

export function serializeMember(m: MemberRow): ApiMemberBody {
  return {
    id: m.userId,
    email: m.email,
    name: m.name,
    role: m.role,
    roleName: ROLE_NAMES[m.role],
    pending: false,
    expired: false,
    user: { id: m.userId, email: m.email, name: m.name },
    dateCreated: m.createdAt.toISOString(),
  };
}

export function serializeInvitation(i: InvitationRow, link?: { token: string; url: string }): ApiInvitationBody {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    expiresAt: i.expiresAt.toISOString(),
    dateCreated: i.createdAt.toISOString(),
    invitedBy: i.invitedBy,
    ...(link ?? {}),
  };
}

export function serializeInvitationPreview(i: InvitationPreviewRow): ApiInvitationPreview {
  return {
    organization: { slug: i.organizationSlug, name: i.organizationName },
    role: i.role,
    email: i.email,
    expiresAt: i.expiresAt.toISOString(),
  };
}
