// A real OpenID provider in process (the oidc-provider package) on a free port, for SSO tests:
// dev interactions (any password; the login name picks the account), consent granted
// automatically, RP-initiated logout on. `tamper` re-signs the next ID tokens the token
// endpoint issues with changed claims (or with a foreign key), `forgeState` rewrites the `state`
// of the redirect back to Faultline, and `downAfterRedirect` takes the provider down right after
// that redirect: each tests that Faultline refuses or explains what it gets.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

export interface TestAccount {
  email?: string;
  emailVerified?: boolean;
  name?: string;
  groups?: string[];
}

export interface IdTokenTamper {
  /** Claims to set (undefined: delete) on the ID token. */
  claims?: Record<string, unknown>;
  /** Sign with a key the provider never published. */
  foreignKey?: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  /** Applied to every token response while set. */
  tamper: IdTokenTamper | null;
  /** Answer 503 to every request while true (the provider is "down"). */
  down: boolean;
  /** While set, the redirect back to the relying party carries this `state` instead of the real one. */
  forgeState: string | null;
  /** While true, the provider goes down (`down = true`) as soon as it redirects back with a code. */
  downAfterRedirect: boolean;
  close(): Promise<void>;
}

/** Starts the provider for a relying party at `rpBaseUrl` (its callback and logout return URLs). */
export async function startOidcProvider(rpBaseUrl: string): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const foreign = await generateKeyPair('RS256');
  const state: TestOidcProvider = {
    issuer,
    clientId: 'faultline-test',
    clientSecret: 'faultline-test-secret-0123456789',
    accounts: new Map(),
    tamper: null,
    down: false,
    forgeState: null,
    downAfterRedirect: false,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const config: Configuration = {
    clients: [
      {
        client_id: state.clientId,
        client_secret: state.clientSecret,
        redirect_uris: [`${rpBaseUrl}/api/0/auth/oidc/callback/`],
        post_logout_redirect_uris: [`${rpBaseUrl}/login/`],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Grant: 3600, Session: 3600, AccessToken: 600, IdToken: 600 },
    findAccount: (_ctx, sub) => {
      const a = state.accounts.get(sub);
      if (!a) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: a.email,
          email_verified: a.emailVerified ?? true,
          name: a.name ?? sub,
          groups: a.groups ?? [],
        }),
      };
    },
    // First-party client: no consent screen.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, config);
  provider.use(async (ctx, next) => {
    if (state.down) {
      ctx.status = 503;
      ctx.body = 'down for maintenance';
      return;
    }
    await next();
    const location = (ctx.response.get('location') as string | undefined) ?? '';
    if (location.startsWith(`${rpBaseUrl}/api/0/auth/oidc/callback/`)) {
      if (state.forgeState !== null) {
        const url = new URL(location);
        url.searchParams.set('state', state.forgeState);
        ctx.redirect(url.href);
      }
      if (state.downAfterRedirect) state.down = true;
    }
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && ctx.status === 200 && state.tamper && body?.id_token) {
      body.id_token = await resign(
        body.id_token,
        state.tamper,
        state.tamper.foreignKey ? foreign.privateKey : privateKey,
      );
    }
  });
  server.on('request', provider.callback());
  return state;
}

async function resign(idToken: string, tamper: IdTokenTamper, key: CryptoKey): Promise<string> {
  const claims: Record<string, unknown> = { ...decodeJwt(idToken) };
  for (const [k, v] of Object.entries(tamper.claims ?? {})) {
    if (v === undefined) delete claims[k];
    else claims[k] = v;
  }
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(key);
}
