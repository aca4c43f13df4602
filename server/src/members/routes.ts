// Organization members and invitations by link:
//   GET    /organizations/{org}/members/                 any member
//   PUT    /organizations/{org}/members/{userId}/        {role}: owners/admins (see roles.ts)
//   DELETE /organizations/{org}/members/{userId}/        owners/admins, or yourself (leave)
//   GET    /organizations/{org}/invitations/             owners/admins: pending invitations
//   POST   /organizations/{org}/invitations/             {email?, role} → the link, shown once
//   DELETE /organizations/{org}/invitations/{id}/        revoke
//   GET    /invitations/{token}/                         public preview (org, role)
//   POST   /invitations/{token}/accept/                  signed in: join; else {name,email,password}: sign up, join, log in
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { apiState, type ApiRouter } from '../api/context.js';
import { requireCaller, requireOrg, requireRole, requireScope, setSessionCookies } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { ConflictError, HttpError, NotFoundError } from '../api/errors.js';
import { withTransaction } from '../db/tx.js';
import { insertMembershipIfMissing } from '../organizations/queries.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../users/passwords.js';
import { isPasswordLoginOffered } from '../sso/queries.js';
import { upsertUser } from '../users/queries.js';
import { startSession } from '../users/sessions.js';
import { csrfTokenFor, sha256Hex } from '../users/tokens.js';
import * as q from './queries.js';
import { canChangeRole, canRemoveMember, grantableRoles, isInvitationUsable, type MemberDecision } from './roles.js';
import {
  serializeInvitation,
  serializeInvitationPreview,
  serializeMember,
  type ApiInvitationAccepted,
} from './serialize.js';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000; // a week: long enough to notice the email, short enough to limit a leaked link
const role = z.enum(['owner', 'admin', 'member']);
const roleBody = z.object({ role });
const inviteBody = z.object({ email: z.string().trim().email().max(320).optional(), role: role.default('member') });
const signupBody = z.object({
  name: z.string().trim().max(200).default(''),
  email: z.string().trim().email().max(320),
  password: z.string().min(MIN_PASSWORD_LENGTH).max(1024),
});

function enforce(d: MemberDecision): void {
  if (!d.ok) throw new HttpError(d.code === 'last-owner' ? 409 : 403, d.code, d.message);
}

export function registerMemberRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/organizations/:org/members/', async (ctx) => {
    requireScope(ctx, 'member:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    ctx.body = (await q.listMembers(deps.pool, org.id)).map(serializeMember);
  });

  router.put('/organizations/:org/members/:userId/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const access = await requireOrg(ctx, ctx.params.org!);
    const { role: next } = parseBody(ctx, roleBody);
    ctx.body = await withTransaction(deps.pool, async (tx) => {
      const ownerCount = await q.countOwnersForUpdate(tx, access.org.id);
      const target = await q.findMember(tx, access.org.id, ctx.params.userId!);
      if (!target) throw new NotFoundError('member-not-found', 'member not found');
      enforce(canChangeRole({ actor: access.role, target: target.role, next, ownerCount }));
      await q.updateMemberRole(tx, access.org.id, target.userId, next);
      return serializeMember({ ...target, role: next });
    });
  });

  router.delete('/organizations/:org/members/:userId/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const access = await requireOrg(ctx, ctx.params.org!);
    await withTransaction(deps.pool, async (tx) => {
      const ownerCount = await q.countOwnersForUpdate(tx, access.org.id);
      const target = await q.findMember(tx, access.org.id, ctx.params.userId!);
      if (!target) throw new NotFoundError('member-not-found', 'member not found');
      enforce(
        canRemoveMember({
          actor: access.role,
          isSelf: target.userId === access.caller.user.id,
          target: target.role,
          ownerCount,
        }),
      );
      await q.deleteMember(tx, access.org.id, target.userId);
    });
    ctx.status = 204;
  });

  router.get('/organizations/:org/invitations/', async (ctx) => {
    requireScope(ctx, 'member:read');
    const access = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    ctx.body = (await q.listPendingInvitations(deps.pool, access.org.id, new Date())).map((i) =>
      serializeInvitation(i),
    );
  });

  router.post('/organizations/:org/invitations/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const access = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    const body = parseBody(ctx, inviteBody);
    if (!grantableRoles(access.role).includes(body.role))
      throw new HttpError(403, 'forbidden', `an ${access.role} cannot invite an ${body.role}`);
    const token = randomBytes(32).toString('base64url');
    const inv = await q.insertInvitation(deps.pool, {
      organizationId: access.org.id,
      email: body.email ?? null,
      role: body.role,
      tokenHash: sha256Hex(token),
      invitedByUserId: access.caller.user.id,
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
    });
    ctx.status = 201;
    ctx.body = serializeInvitation(inv, { token, url: `${deps.config.http.baseUrl}/accept-invite/${token}/` });
  });

  router.delete('/organizations/:org/invitations/:id/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const access = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    if (!(await q.revokeInvitation(deps.pool, access.org.id, ctx.params.id!, new Date())))
      throw new NotFoundError('invitation-not-found', 'no pending invitation with this id');
    ctx.status = 204;
  });

  router.get('/invitations/:token/', async (ctx) => {
    const inv = await findUsable(deps, ctx.params.token!);
    ctx.body = serializeInvitationPreview(inv);
  });

  router.post('/invitations/:token/accept/', async (ctx) => {
    const inv = await findUsable(deps, ctx.params.token!);
    const tokenHash = sha256Hex(ctx.params.token!);
    const signedIn = apiState(ctx).caller ? requireCaller(ctx) : null; // CSRF applies to cookie callers
    if (signedIn && inv.email && inv.email.toLowerCase() !== signedIn.user.email.toLowerCase()) {
      throw new HttpError(
        403,
        'invitation-email-mismatch',
        `this invitation is for ${inv.email}: sign in with that account`,
      );
    }
    const signup = signedIn ? null : parseBody(ctx, signupBody);
    if (signup && inv.email && inv.email.toLowerCase() !== signup.email.toLowerCase()) {
      throw new HttpError(403, 'invitation-email-mismatch', `this invitation is for ${inv.email}`);
    }
    if (signup && !(await isPasswordLoginOffered(deps.pool, inv.organizationSlug))) {
      throw new HttpError(
        403,
        'password-login-disabled',
        `${inv.organizationName} signs in with single sign-on: sign in that way, then open the invitation link again`,
      );
    }
    const userId = await joinWithInvitation(
      deps,
      tokenHash,
      signedIn ? { userId: signedIn.user.id } : { signup: signup! },
    );
    if (signup) {
      const session = await startSession(deps.pool, {
        userId,
        ipAddress: ctx.ip,
        userAgent: ctx.get('user-agent'),
        now: new Date(),
      });
      setSessionCookies(ctx, session, csrfTokenFor(deps.config.secretKey, session.token));
    }
    const accepted: ApiInvitationAccepted = {
      organization: { slug: inv.organizationSlug, name: inv.organizationName },
    };
    ctx.body = accepted;
  });
}

/** Claims the invitation (once) and adds the membership; a signup creates the account first. */
async function joinWithInvitation(
  deps: Deps,
  tokenHash: string,
  who: { userId: string } | { signup: z.infer<typeof signupBody> },
): Promise<string> {
  const passwordHash = 'signup' in who ? await hashPassword(who.signup.password) : null; // slow KDF: outside the transaction
  return withTransaction(deps.pool, async (tx) => {
    let userId: string;
    if ('signup' in who) {
      const created = await upsertUser(tx, { email: who.signup.email, name: who.signup.name, passwordHash });
      if (!created.created)
        throw new ConflictError(
          'account-exists',
          'an account with this email exists: sign in, then open the invitation link again',
        );
      userId = created.user.id;
    } else {
      userId = who.userId;
    }
    const claimed = await q.claimInvitation(tx, tokenHash, userId, new Date());
    if (!claimed)
      throw new NotFoundError('invitation-not-found', 'this invitation is invalid, expired or already used');
    await insertMembershipIfMissing(tx, { organizationId: claimed.organizationId, userId, role: claimed.role });
    return userId;
  });
}

async function findUsable(deps: Deps, token: string): Promise<q.InvitationPreviewRow> {
  const inv = token.length <= 128 ? await q.findInvitationByTokenHash(deps.pool, sha256Hex(token)) : null;
  if (!inv || !isInvitationUsable(inv, new Date()))
    throw new NotFoundError('invitation-not-found', 'this invitation is invalid, expired or already used');
  return inv;
}
