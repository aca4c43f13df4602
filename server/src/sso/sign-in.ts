// Who an OpenID Connect login signs in as. A linked identity (issuer + subject) is that user;
// otherwise an existing account with the same e-mail is linked only when the provider says the
// e-mail is verified (and never an account SSO made from an unverified e-mail), and a new
// account is created just in time. Then the role mapping adds
// the memberships it grants (existing roles are left alone: owners may have changed them), or,
// when the user belongs nowhere, files an access request to the default organization.
import type { OidcConfig } from '../config.js';
import type { Pool, Queryable } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import { insertMembershipIfMissing } from '../organizations/queries.js';
import { findUserByEmail, upsertUser, type UserRow } from '../users/queries.js';
import type { OidcIdentity } from './oidc-client.js';
import {
  countMemberships,
  findUserByIdentity,
  insertAccessRequest,
  insertIdentity,
  isEmailUnverifiedSsoAccount,
  listOrganizationIdsBySlugs,
} from './queries.js';
import { claimValues, isEmailDomainAllowed, mapRoles } from './rules.js';

export type SignInRefusal =
  'email-missing' | 'email-not-verified' | 'email-in-use' | 'domain-not-allowed' | 'account-disabled';
export type SignInOutcome =
  | { ok: true; user: UserRow; how: 'identity' | 'linked' | 'created'; pending: boolean }
  | { ok: false; reason: SignInRefusal };
type Found = { ok: true; user: UserRow; how: 'identity' | 'linked' | 'created' } | { ok: false; reason: SignInRefusal };

export async function signInWithIdentity(pool: Pool, cfg: OidcConfig, identity: OidcIdentity): Promise<SignInOutcome> {
  // With a domain allow-list, only a verified e-mail in an allowed domain may sign in, every time.
  if (cfg.allowedDomains.length > 0) {
    if (!identity.email) return { ok: false, reason: 'email-missing' };
    if (!isEmailDomainAllowed(identity.email, cfg.allowedDomains)) return { ok: false, reason: 'domain-not-allowed' };
    if (!identity.emailVerified) return { ok: false, reason: 'email-not-verified' };
  }
  return withTransaction(pool, async (tx) => {
    const found = await findOrCreateUser(tx, identity);
    if (!found.ok) return found;
    const { user, how } = found;
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

/** The identity's user: linked before, linked now by a verified e-mail, or created just in time. */
async function findOrCreateUser(tx: Queryable, identity: OidcIdentity): Promise<Found> {
  const linked = await findUserByIdentity(tx, identity);
  if (linked) return { ok: true, user: linked, how: 'identity' };
  if (!identity.email) return { ok: false, reason: 'email-missing' };
  const existing = await findUserByEmail(tx, identity.email);
  if (existing) {
    const { passwordHash: _omit, ...user } = existing;
    return linkExisting(tx, user, identity);
  }
  const created = await upsertUser(tx, { email: identity.email, name: identity.name, passwordHash: null });
  if (!created.created) return linkExisting(tx, created.user, identity); // raced a signup with the same e-mail
  await link(tx, created.user.id, identity);
  return { ok: true, user: created.user, how: 'created' };
}

async function linkExisting(tx: Queryable, user: UserRow, identity: OidcIdentity): Promise<Found> {
  if (!identity.emailVerified) return { ok: false, reason: 'email-not-verified' };
  if (!user.isActive) return { ok: false, reason: 'account-disabled' };
  if (await isEmailUnverifiedSsoAccount(tx, user.id)) return { ok: false, reason: 'email-in-use' };
  await link(tx, user.id, identity);
  return { ok: true, user, how: 'linked' };
}

async function link(tx: Queryable, userId: string, identity: OidcIdentity): Promise<void> {
  await insertIdentity(tx, {
    userId,
    issuer: identity.issuer,
    subject: identity.subject,
    email: identity.email,
    emailVerified: identity.emailVerified,
  });
}
