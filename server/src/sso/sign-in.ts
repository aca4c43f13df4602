// Who an OpenID Connect login signs in as. A linked identity (issuer + subject) is that user;
// otherwise an existing account with the same e-mail is linked only when the provider says the
// e-mail is verified, and a new account is created just in time. Then the role mapping adds
// the memberships it grants (existing roles are left alone: owners may have changed them), or,
// when the user belongs nowhere, files an access request to the default organization.
import type { OidcConfig } from '../config.js';
import type { Pool } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import { insertMembershipIfMissing } from '../organizations/queries.js';
import { findUserByEmail, upsertUser, type UserRow } from '../users/queries.js';
import type { OidcIdentity } from './oidc-client.js';
import {
  countMemberships,
  findUserByIdentity,
  insertAccessRequest,
  insertIdentity,
  listOrganizationIdsBySlugs,
} from './queries.js';
import { claimValues, isEmailDomainAllowed, mapRoles } from './rules.js';

export type SignInRefusal = 'email-missing' | 'email-not-verified' | 'domain-not-allowed' | 'account-disabled';
export type SignInOutcome =
  | { ok: true; user: UserRow; how: 'identity' | 'linked' | 'created'; pending: boolean }
  | { ok: false; reason: SignInRefusal };

export async function signInWithIdentity(pool: Pool, cfg: OidcConfig, identity: OidcIdentity): Promise<SignInOutcome> {
  // With a domain allow-list, only a verified e-mail in an allowed domain may sign in, every time.
  if (cfg.allowedDomains.length > 0) {
    if (!identity.email) return { ok: false, reason: 'email-missing' };
    if (!isEmailDomainAllowed(identity.email, cfg.allowedDomains)) return { ok: false, reason: 'domain-not-allowed' };
    if (!identity.emailVerified) return { ok: false, reason: 'email-not-verified' };
  }
  return withTransaction(pool, async (tx) => {
    let how: 'identity' | 'linked' | 'created' = 'identity';
    let user = await findUserByIdentity(tx, identity);
    if (!user) {
      if (!identity.email) return { ok: false, reason: 'email-missing' };
      const existing = await findUserByEmail(tx, identity.email);
      if (existing && !identity.emailVerified) return { ok: false, reason: 'email-not-verified' };
      if (existing && !existing.isActive) return { ok: false, reason: 'account-disabled' };
      if (existing) {
        const { passwordHash: _omit, ...row } = existing;
        user = row;
        how = 'linked';
      } else {
        const created = await upsertUser(tx, { email: identity.email, name: identity.name, passwordHash: null });
        if (!created.created && !identity.emailVerified) return { ok: false, reason: 'email-not-verified' }; // raced a signup
        user = created.user;
        how = created.created ? 'created' : 'linked';
      }
      await insertIdentity(tx, {
        userId: user.id,
        issuer: identity.issuer,
        subject: identity.subject,
        email: identity.email,
      });
    }
    if (!user.isActive) return { ok: false, reason: 'account-disabled' };
    const roles = mapRoles(cfg.roleMapping, claimValues(identity.claims[cfg.roleClaim]));
    for (const org of await listOrganizationIdsBySlugs(tx, [...roles.keys()])) {
      await insertMembershipIfMissing(tx, { organizationId: org.id, userId: user.id, role: roles.get(org.slug)! });
    }
    let pending = false;
    if (cfg.defaultOrg && (await countMemberships(tx, user.id)) === 0) {
      await insertAccessRequest(tx, { organizationSlug: cfg.defaultOrg, userId: user.id });
      pending = true;
    }
    return { ok: true, user, how, pending };
  });
}
