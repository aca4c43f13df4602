// The OpenID Connect relying party, on openid-client: discovery (cached, retried after a
// failure), the authorization URL (code flow, PKCE S256, state, nonce), the code exchange with
// every ID-token check the library makes (signature against the provider's JWKS, iss, aud,
// azp, exp/iat within the clock tolerance, nonce), claims merged with UserInfo, and the
// provider's end-session URL. Errors become a closed union: the provider is down, or it refused.
import * as oidc from 'openid-client';
import type { OidcConfig } from '../config.js';

const DISCOVERY_TTL_MS = 60 * 60 * 1000; // keys and endpoints rotate rarely; an hour bounds staleness
const HTTP_TIMEOUT_SECONDS = 5; // a hung provider must not hold a login request for long

export interface OidcChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string;
  claims: Record<string, unknown>;
  idToken: string;
}

/** `unavailable`: the provider could not be reached or answered 5xx; `refused`: a check failed. */
export class OidcError extends Error {
  override name = 'OidcError';
  constructor(
    public readonly kind: 'unavailable' | 'refused',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface OidcClient {
  authorizationUrl(args: { redirectUri: string; state: string; nonce: string; codeChallenge: string }): Promise<URL>;
  exchange(callbackUrl: URL, checks: OidcChecks): Promise<OidcIdentity>;
  /** null when the provider has no end_session_endpoint. */
  endSessionUrl(args: { idToken: string; postLogoutRedirectUri: string }): Promise<URL | null>;
}

export function createOidcClient(cfg: OidcConfig): OidcClient {
  let cached: { at: number; config: Promise<oidc.Configuration> } | null = null;
  const configuration = (): Promise<oidc.Configuration> => {
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
    const p = discover(cfg);
    const entry = { at: Date.now(), config: p };
    cached = entry;
    p.catch(() => {
      if (cached === entry) cached = null; // retry on the next login rather than caching the outage
    });
    return p;
  };

  return {
    async authorizationUrl(args) {
      const config = await configuration().catch(classify);
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: args.redirectUri,
        scope: cfg.scopes,
        state: args.state,
        nonce: args.nonce,
        code_challenge: args.codeChallenge,
        code_challenge_method: 'S256',
      });
    },
    async exchange(callbackUrl, checks) {
      const config = await configuration().catch(classify);
      try {
        const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
        const idClaims = tokens.claims();
        if (!idClaims || !tokens.id_token) throw new OidcError('refused', 'the provider sent no ID token');
        // The library bounds exp and nbf by the tolerance, and iat only in the past: bound the future too.
        if (idClaims.iat > Date.now() / 1000 + cfg.clockToleranceSeconds)
          throw new OidcError('refused', 'the ID token was issued in the future (clock skew beyond the tolerance)');
        let claims: Record<string, unknown> = { ...idClaims };
        if (config.serverMetadata().userinfo_endpoint) {
          // Providers often keep e-mail and groups out of the ID token; UserInfo checks `sub` matches.
          const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
          claims = { ...info, ...idClaims };
        }
        return toIdentity(claims, tokens.id_token);
      } catch (err) {
        return classify(err);
      }
    },
    async endSessionUrl(args) {
      const config = await configuration().catch(() => null); // logging out locally must not wait on the provider
      if (!config?.serverMetadata().end_session_endpoint) return null;
      return oidc.buildEndSessionUrl(config, {
        id_token_hint: args.idToken,
        client_id: cfg.clientId,
        post_logout_redirect_uri: args.postLogoutRedirectUri,
      });
    },
  };
}

async function discover(cfg: OidcConfig): Promise<oidc.Configuration> {
  const issuer = new URL(cfg.issuer);
  // Plain http only for a provider on this machine (development, tests); anything else needs TLS.
  const loopback = issuer.hostname === '127.0.0.1' || issuer.hostname === 'localhost' || issuer.hostname === '[::1]';
  const config = await oidc.discovery(
    issuer,
    cfg.clientId,
    { client_secret: cfg.clientSecret ?? undefined, [oidc.clockTolerance]: cfg.clockToleranceSeconds },
    cfg.clientSecret ? oidc.ClientSecretBasic(cfg.clientSecret) : oidc.None(),
    {
      timeout: HTTP_TIMEOUT_SECONDS,
      // Verify the ID token's signature against the provider's JWKS even though it came over TLS
      // from the token endpoint (which OIDC would accept unsigned-checked): a forged token fails.
      execute: [
        oidc.enableNonRepudiationChecks,
        ...(loopback && issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : []),
      ],
    },
  );
  config.timeout = HTTP_TIMEOUT_SECONDS;
  return config;
}

function toIdentity(claims: Record<string, unknown>, idToken: string): OidcIdentity {
  const str = (v: unknown, max: number): string | null =>
    typeof v === 'string' && v.length > 0 && v.length <= max ? v : null;
  const issuer = str(claims.iss, 2048);
  const subject = str(claims.sub, 255);
  if (!issuer || !subject) throw new OidcError('refused', 'the ID token has no usable iss or sub');
  const email = str(claims.email, 320);
  return {
    issuer,
    subject,
    email: email && /^[^\s@]+@[^\s@]+$/.test(email) ? email : null,
    emailVerified: claims.email_verified === true,
    name: str(claims.name, 200) ?? '',
    claims,
    idToken,
  };
}

function classify(err: unknown): never {
  if (err instanceof OidcError) throw err;
  const e = err as { name?: string; code?: string; message?: string };
  const network =
    (err instanceof TypeError && /fetch failed/i.test(e.message ?? '')) ||
    e.name === 'TimeoutError' ||
    e.name === 'AbortError';
  const serverError = e.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || e.code === 'OAUTH_RESPONSE_IS_NOT_JSON';
  if (network || serverError)
    throw new OidcError('unavailable', 'the identity provider could not be reached', { cause: err });
  throw new OidcError('refused', `the identity provider's answer failed a check: ${e.code ?? e.name ?? 'error'}`, {
    cause: err,
  });
}
