// Personal API tokens of the signed-in user: GET/POST /api/0/api-tokens/ and DELETE (Sentry's
// form, `{"tokenId": …}` in the body, or /api-tokens/{id}/). The token is answered once, at
// creation; only its SHA-256 is stored. As in Sentry, managing tokens needs a browser session:
// a leaked token can neither mint nor revoke tokens. Revocation is checked on every request.
import type Koa from 'koa';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiTokenCreated } from '../api/types.js';
import type { ApiRouter, Caller } from '../api/context.js';
import { ALL_SCOPES, requireCaller } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import { issueApiToken } from './accounts.js';
import { listApiTokens, revokeApiToken } from './queries.js';
import { serializeApiToken } from './serialize.js';
import { tokenHint } from './tokens.js';
import { isBigintId } from '../db/ids.js';

const createSchema = z.object({
  name: z.string().trim().max(255).optional(),
  // None (or an empty list) means every scope, like the CLI's bootstrap token.
  scopes: z.array(z.enum(ALL_SCOPES)).max(ALL_SCOPES.length).optional(),
});
const revokeSchema = z.object({ tokenId: z.union([z.string(), z.number()]).transform(String).optional() });

export function registerApiTokenRoutes(router: ApiRouter, deps: Deps): void {
  router.get('/api-tokens/', async (ctx) => {
    const caller = requireSession(ctx);
    ctx.body = (await listApiTokens(deps.pool, caller.user.id)).map(serializeApiToken);
  });

  router.post('/api-tokens/', async (ctx) => {
    const caller = requireSession(ctx);
    const body = parseBody(ctx, createSchema);
    const scopes = body.scopes && body.scopes.length > 0 ? [...new Set(body.scopes)] : [...ALL_SCOPES];
    const name = body.name ?? '';
    const { id, token, createdAt } = await issueApiToken(deps.pool, { userId: caller.user.id, name, scopes });
    const created: ApiTokenCreated = {
      ...serializeApiToken({ id, name, tokenHint: tokenHint(token), scopes, lastUsedAt: null, createdAt }),
      token,
    };
    ctx.status = 201;
    ctx.body = created;
  });

  router.delete('/api-tokens/', async (ctx) => {
    const caller = requireSession(ctx);
    const { tokenId } = parseBody(ctx, revokeSchema);
    if (tokenId === undefined)
      throw new HttpError(400, 'missing-token-id', 'send {"tokenId": "<id>"} or DELETE /api/0/api-tokens/<id>/');
    await revoke(deps, caller, tokenId);
    ctx.status = 204;
  });

  router.delete('/api-tokens/:tokenId/', async (ctx) => {
    await revoke(deps, requireSession(ctx), ctx.params.tokenId!);
    ctx.status = 204;
  });
}

function requireSession(ctx: Koa.Context): Caller {
  const caller = requireCaller(ctx);
  if (caller.via !== 'session')
    throw new HttpError(
      403,
      'session-required',
      'API tokens are managed from a signed-in browser session, not with a token',
    );
  return caller;
}

/** Only the caller's own live tokens; anything else is "not found" (ids do not leak). */
async function revoke(deps: Deps, caller: Caller, tokenId: string): Promise<void> {
  const ok = isBigintId(tokenId) && (await revokeApiToken(deps.pool, { userId: caller.user.id, tokenId }));
  if (!ok) throw new NotFoundError('token-not-found', 'API token not found');
}
