// Organizations in Sentry's API shape; sentry-cli `organizations list` requires id, slug, name,
// dateCreated, isEarlyAdopter, require2FA, requireEmailVerification and features.
import type { ApiOrganization } from '../api/types.js';
import type { MemberOrganizationRow } from './queries.js';

export function serializeOrganization(o: MemberOrganizationRow): ApiOrganization {
  return {
    id: o.id,
    slug: o.slug,
    name: o.name,
    dateCreated: o.createdAt.toISOString(),
    isEarlyAdopter: false,
    require2FA: false,
    requireEmailVerification: false,
    features: [],
    status: { id: 'active', name: 'active' },
    avatar: { avatarType: 'letter_avatar', avatarUuid: null },
    role: o.role,
  };
}
