// signInWithIdentity and the SSO queries against real Postgres: identity lookup, just-in-time
// accounts, linking by verified e-mail only, the domain allow-list, the role mapping and pending
// access requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type OidcConfig } from '../../../server/src/config.js';
import type { Pool } from '../../../server/src/db/pool.js';
import type { OidcIdentity } from '../../../server/src/sso/oidc-client.js';
import {
  listAccessRequests,
  listPasswordlessOrganizations,
  updatePasswordLoginAllowed,
} from '../../../server/src/sso/queries.js';
import { signInWithIdentity } from '../../../server/src/sso/sign-in.js';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { createMember } from '../../helpers/api-factories.js';

const ISSUER = 'https://sso.example.com';

function config(env: Record<string, string> = {}): OidcConfig {
  return loadConfig({
    OIDC_ISSUER: ISSUER,
    OIDC_CLIENT_ID: 'faultline',
    OIDC_ROLE_MAPPING: 'eng=acme:member,leads=acme:admin,ops=ops:owner',
    OIDC_DEFAULT_ORG: 'acme',
    ...env,
  }).oidc!;
}

let n = 0;
function identity(o: Partial<OidcIdentity> & { groups?: string[] } = {}): OidcIdentity {
  const sub = o.subject ?? `sub-${n++}`;
  return {
    issuer: ISSUER,
    subject: sub,
    email: `${sub}@acme.com`,
    emailVerified: true,
    name: sub,
    idToken: 'x.y.z',
    ...o,
    claims: { groups: o.groups ?? [] },
  };
}

describe('signInWithIdentity', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let acme: CreatedProject;
  let ops: CreatedProject;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool;
    acme = await createProject(pool, { orgSlug: 'acme', slug: 'web' });
    ops = await createProject(pool, { orgSlug: 'ops', slug: 'infra' });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const roles = async (userId: string) =>
    Object.fromEntries(
      (
        await pool.query<{ slug: string; role: string }>(
          'SELECT o.slug, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id WHERE m.user_id = $1',
          [userId],
        )
      ).rows.map((r) => [r.slug, r.role]),
    );

  const identitiesOf = async (userId: string) =>
    (
      await pool.query<{ subject: string; verified: boolean | null }>(
        'SELECT subject, is_email_verified AS verified FROM user_identities WHERE user_id = $1 ORDER BY id',
        [userId],
      )
    ).rows;

  it('creates the user just in time with the mapped roles, then finds it by identity', async () => {
    const id = identity({ groups: ['eng', 'leads', 'ops'] });
    const first = await signInWithIdentity(pool, config(), id);
    expect(first).toMatchObject({ ok: true, how: 'created', pending: false });
    if (!first.ok) return;
    expect(await roles(first.user.id)).toEqual({ acme: 'admin', ops: 'owner' });
    const again = await signInWithIdentity(pool, config(), { ...id, email: 'changed@acme.com' });
    expect(again).toMatchObject({ ok: true, how: 'identity', user: { id: first.user.id } });
  });

  it('links by e-mail only when verified, case-insensitively', async () => {
    const existing = await createMember(pool, { orgId: acme.orgId, role: 'member', email: 'Pat@Acme.com' });
    expect(await signInWithIdentity(pool, config(), identity({ email: 'pat@acme.com', emailVerified: false }))).toEqual(
      { ok: false, reason: 'email-not-verified' },
    );
    const linked = await signInWithIdentity(pool, config(), identity({ email: 'pat@acme.com', groups: ['leads'] }));
    expect(linked).toMatchObject({ ok: true, how: 'linked', user: { id: existing.userId } });
    expect(await roles(existing.userId)).toEqual({ acme: 'member' }); // existing role kept
  });

  it('never links an account that single sign-on created from an unverified e-mail (pre-hijacking)', async () => {
    const squatter = identity({ email: 'victim@acme.com', emailVerified: false, groups: ['eng'] });
    const made = await signInWithIdentity(pool, config(), squatter);
    expect(made).toMatchObject({ ok: true, how: 'created' });
    if (!made.ok) return;
    const owner = identity({ email: 'Victim@acme.com', emailVerified: true, groups: ['leads'] });
    expect(await signInWithIdentity(pool, config(), owner)).toEqual({ ok: false, reason: 'email-in-use' });
    expect(await identitiesOf(made.user.id)).toEqual([{ subject: squatter.subject, verified: false }]);
    expect(await roles(made.user.id)).toEqual({ acme: 'member' }); // the owner's groups granted nothing to it

    // Once the squatter's own provider verifies the address, the account is trusted for linking.
    expect(await signInWithIdentity(pool, config(), { ...squatter, emailVerified: true })).toMatchObject({
      ok: true,
      how: 'identity',
    });
    expect(await signInWithIdentity(pool, config(), owner)).toMatchObject({
      ok: true,
      how: 'linked',
      user: { id: made.user.id },
    });
  });

  it('links a verified e-mail to an account made by a verified single sign-on', async () => {
    const first = await signInWithIdentity(pool, config(), identity({ email: 'two-idps@acme.com' }));
    expect(first).toMatchObject({ ok: true, how: 'created' });
    const second = await signInWithIdentity(
      pool,
      config(),
      identity({ issuer: 'https://other-idp.example.com', email: 'two-idps@acme.com' }),
    );
    expect(second).toMatchObject({ ok: true, how: 'linked', user: { id: first.ok ? first.user.id : '' } });
  });

  it('needs an e-mail; refuses deactivated accounts', async () => {
    expect(await signInWithIdentity(pool, config(), identity({ email: null }))).toEqual({
      ok: false,
      reason: 'email-missing',
    });
    const gone = await createMember(pool, { orgId: acme.orgId, email: 'gone@acme.com' });
    await pool.query('UPDATE users SET is_active = false WHERE id = $1', [gone.userId]);
    expect(await signInWithIdentity(pool, config(), identity({ email: 'gone@acme.com' }))).toEqual({
      ok: false,
      reason: 'account-disabled',
    });
  });

  it('with allowed domains, requires a verified e-mail in one of them on every login', async () => {
    const cfg = config({ OIDC_ALLOWED_DOMAINS: 'acme.com' });
    expect(await signInWithIdentity(pool, cfg, identity({ email: 'x@evil.com' }))).toEqual({
      ok: false,
      reason: 'domain-not-allowed',
    });
    expect(await signInWithIdentity(pool, cfg, identity({ email: 'x@acme.com.evil.com' }))).toEqual({
      ok: false,
      reason: 'domain-not-allowed',
    });
    expect(await signInWithIdentity(pool, cfg, identity({ email: 'new1@acme.com', emailVerified: false }))).toEqual({
      ok: false,
      reason: 'email-not-verified',
    });
    expect(await signInWithIdentity(pool, cfg, identity({ email: 'new2@acme.com' }))).toMatchObject({
      ok: true,
      how: 'created',
    });
  });

  it('files one access request in the default organization when the mapping grants nothing', async () => {
    const id = identity({ groups: ['marketing'] });
    const out = await signInWithIdentity(pool, config(), id);
    expect(out).toMatchObject({ ok: true, pending: true });
    await signInWithIdentity(pool, config(), id);
    const pending = (await listAccessRequests(pool, acme.orgId)).filter((r) => out.ok && r.userId === out.user.id);
    expect(pending).toHaveLength(1);
  });

  it('lists the organizations that turned password login off for a user', async () => {
    const m = await createMember(pool, { orgId: ops.orgId, role: 'member' });
    expect(await listPasswordlessOrganizations(pool, m.userId)).toEqual([]);
    await updatePasswordLoginAllowed(pool, ops.orgId, false);
    expect(await listPasswordlessOrganizations(pool, m.userId)).toEqual(['ops']);
    await updatePasswordLoginAllowed(pool, ops.orgId, true);
  });
});
