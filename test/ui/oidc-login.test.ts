// OpenID Connect login end to end: a real provider (oidc-provider) in process, a real Faultline,
// Chromium clicking through both. First login creates the account with the mapped role, later
// logins and verified e-mails link, every forged or tampered answer is refused, password login
// can be switched off per organization, and logout ends both sessions.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js';
import { createMember } from '../helpers/api-factories.js';
import { call } from '../helpers/api-client.js';
import { ensureUiBuilt, launchBrowser, login, newContext, screenshotThemes } from '../helpers/browser.js';

const BUTTON = 'Sign in with Test IdP';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Faultline on `port` (picked before, so the provider knows our callback URL), signing in through `issuer`. */
async function startSsoServer(issuer: string, port: number): Promise<{ server: TestServer; base: string }> {
  const base = `http://127.0.0.1:${port}`;
  const server = await startTestServer({
    ROLE: 'api',
    PORT: String(port),
    BASE_URL: base,
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: 'faultline-test',
    OIDC_CLIENT_SECRET: 'faultline-test-secret-0123456789',
    OIDC_SCOPES: 'openid email profile groups',
    OIDC_ROLE_MAPPING: 'eng-leads=acme:admin,engineers=acme:member',
    OIDC_DEFAULT_ORG: 'acme',
    OIDC_BUTTON_LABEL: BUTTON,
    OIDC_CLOCK_TOLERANCE_SECONDS: '60',
  });
  return { server, base };
}

describe('OpenID Connect login (oidc-provider + Chromium)', { timeout: 180_000 }, () => {
  let provider: TestOidcProvider;
  let server: TestServer;
  let base: string;
  let acme: CreatedProject;
  let browser: Browser;

  beforeAll(async () => {
    await ensureUiBuilt();
    const port = await freePort();
    provider = await startOidcProvider(`http://127.0.0.1:${port}`);
    ({ server, base } = await startSsoServer(provider.issuer, port));
    acme = await createProject(server.pool, { orgSlug: 'acme', slug: 'web' });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.close();
  });

  /** Clicks the SSO button, signs in at the provider as `account`, and waits to be back here. */
  async function ssoLogin(page: Page, account: string, next?: string): Promise<void> {
    await page.goto(`${base}/login/${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    await page.getByRole('link', { name: BUTTON }).click();
    await page.waitForURL((u) => u.origin === provider.issuer || u.origin === base);
    if (new URL(page.url()).origin === provider.issuer) {
      await page.locator('input[name=login]').fill(account);
      await page.locator('input[name=password]').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
    }
    await page.waitForURL((u) => u.origin === base && !u.pathname.startsWith('/api/'));
  }

  async function fresh(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    return { context, page: await context.newPage() };
  }

  async function userByEmail(email: string) {
    const { rows } = await server.pool.query<{ id: string; passwordHash: string | null; identities: number }>(
      `SELECT u.id, u.password_hash AS "passwordHash", (SELECT count(*)::int FROM user_identities i WHERE i.user_id = u.id) AS identities
       FROM users u WHERE lower(u.email) = lower($1)`,
      [email],
    );
    return rows;
  }

  async function roleIn(orgId: string, userId: string): Promise<string | null> {
    const { rows } = await server.pool.query<{ role: string }>(
      'SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2',
      [orgId, userId],
    );
    return rows[0]?.role ?? null;
  }

  async function sessionCount(userId: string): Promise<number> {
    const { rows } = await server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM user_sessions WHERE user_id = $1',
      [userId],
    );
    return rows[0]!.n;
  }

  it('first login creates the account just in time with the mapped role; a second login signs into the same account', async () => {
    provider.accounts.set('alice', {
      email: 'alice@acme.test',
      name: 'Alice Lead',
      groups: ['engineers', 'eng-leads'],
    });
    const { context, page } = await fresh();
    await page.goto(`${base}/login/`);
    await page.getByRole('link', { name: BUTTON }).waitFor();
    await screenshotThemes(page, 'login-sso', { fullPage: false });
    await ssoLogin(page, 'alice');
    await page.waitForURL(`${base}/organizations/acme/issues/`);
    const [alice] = await userByEmail('alice@acme.test');
    expect(alice).toMatchObject({ passwordHash: null, identities: 1 });
    expect(await roleIn(acme.orgId, alice!.id)).toBe('admin'); // the highest role any of her groups maps to
    await context.close();

    const second = await fresh();
    await ssoLogin(second.page, 'alice', '/organizations/acme/stream/');
    expect(second.page.url()).toBe(`${base}/organizations/acme/stream/`);
    expect(await userByEmail('alice@acme.test')).toEqual([alice]); // same user, still one identity
    expect(await sessionCount(alice!.id)).toBe(2);
    await second.context.close();
  });

  it('links an existing password account when the provider verified the e-mail', async () => {
    const bob = await createMember(server.pool, { orgId: acme.orgId, role: 'member', email: 'bob@acme.test' });
    provider.accounts.set('bob', { email: 'BOB@acme.test', emailVerified: true, groups: ['eng-leads'] });
    const { context, page } = await fresh();
    await ssoLogin(page, 'bob');
    await page.waitForURL(`${base}/organizations/acme/issues/`);
    const rows = await userByEmail('bob@acme.test');
    expect(rows).toEqual([{ id: bob.userId, passwordHash: expect.any(String), identities: 1 }]);
    expect(await roleIn(acme.orgId, bob.userId)).toBe('member'); // an existing role is left alone
    await context.close();
  });

  it('does not link an existing account to an unverified e-mail', async () => {
    const carol = await createMember(server.pool, { orgId: acme.orgId, role: 'owner', email: 'carol@acme.test' });
    provider.accounts.set('mallory', { email: 'carol@acme.test', emailVerified: false, groups: ['eng-leads'] });
    const { context, page } = await fresh();
    await ssoLogin(page, 'mallory');
    expect(new URL(page.url()).pathname).toBe('/login/');
    expect(new URL(page.url()).searchParams.get('error')).toBe('email-not-verified');
    await page.getByRole('alert').filter({ hasText: 'has not verified your e-mail' }).waitFor();
    expect(await userByEmail('carol@acme.test')).toEqual([
      { id: carol.userId, passwordHash: expect.any(String), identities: 0 },
    ]);
    expect(await sessionCount(carol.userId)).toBe(0);
    await screenshotThemes(page, 'login-sso-error', { fullPage: false });
    await context.close();
  });

  it('never links the verified owner of an address to an account SSO made from it unverified', async () => {
    provider.accounts.set('squatter', { email: 'nina@acme.test', emailVerified: false, groups: ['engineers'] });
    provider.accounts.set('nina', { email: 'nina@acme.test', emailVerified: true, groups: ['eng-leads'] });
    const first = await fresh();
    await ssoLogin(first.page, 'squatter');
    await first.page.waitForURL(`${base}/organizations/acme/issues/`); // no account had the address: created
    const [made] = await userByEmail('nina@acme.test');
    await first.context.close();

    const { context, page } = await fresh();
    await ssoLogin(page, 'nina');
    expect(new URL(page.url()).searchParams.get('error')).toBe('email-in-use');
    await page.getByRole('alert').filter({ hasText: 'Ask a Faultline owner' }).waitFor();
    expect((await context.cookies(base)).map((c) => c.name)).not.toContain('faultline_session');
    expect(await userByEmail('nina@acme.test')).toEqual([made]); // still one identity: the squatter's
    expect(await roleIn(acme.orgId, made!.id)).toBe('member'); // nina's eng-leads group granted it nothing
    await context.close();
  });

  it('refuses a callback with a state this browser did not send, and any replay of a callback', async () => {
    provider.accounts.set('dan', { email: 'dan@acme.test', groups: ['engineers'] });
    // The victim's browser starts a login and waits at the provider (its pending state is S_A).
    const victim = await fresh();
    await victim.page.goto(`${base}/login/`);
    await victim.page.getByRole('link', { name: BUTTON }).click();
    await victim.page.locator('input[name=login]').waitFor();

    // The attacker completes their own login and keeps the callback URL (code + state S_B).
    const attacker = await fresh();
    let callback = '';
    attacker.page.on('request', (r) => {
      if (r.url().startsWith(`${base}/api/0/auth/oidc/callback/`)) callback = r.url();
    });
    await ssoLogin(attacker.page, 'dan');
    await attacker.page.waitForURL(`${base}/organizations/acme/issues/`);
    expect(new URL(callback).searchParams.get('state')).toBeTruthy();
    const [dan] = await userByEmail('dan@acme.test');
    expect(await sessionCount(dan!.id)).toBe(1);

    // Login CSRF: the attacker's callback in the victim's browser. Its state is not the victim's.
    await victim.page.goto(callback);
    await victim.page.waitForURL(/\/login\/\?error=sso-refused/);
    expect((await victim.context.cookies(base)).map((c) => c.name)).not.toContain('faultline_session');
    // The victim's pending login was used up by that attempt; replays find nothing anywhere.
    await victim.page.goto(callback);
    await victim.page.waitForURL(/\/login\/\?error=sso-expired/);
    await attacker.page.goto(callback);
    await attacker.page.waitForURL(/\/login\/\?error=sso-expired/);
    const other = await fresh();
    await other.page.goto(callback);
    await other.page.waitForURL(/\/login\/\?error=sso-expired/);
    expect(await sessionCount(dan!.id)).toBe(1);
    for (const c of [victim, attacker, other]) await c.context.close();
  });

  it('refuses its own callback when the state was changed on the way (the code and PKCE verifier still match)', async () => {
    provider.accounts.set('kim', { email: 'kim@acme.test', groups: ['engineers'] });
    provider.forgeState = 'a-state-this-browser-never-sent';
    try {
      const { context, page } = await fresh();
      await ssoLogin(page, 'kim');
      expect(new URL(page.url()).pathname).toBe('/login/');
      expect(new URL(page.url()).searchParams.get('error')).toBe('sso-refused');
      expect((await context.cookies(base)).map((c) => c.name)).not.toContain('faultline_session');
      expect(await userByEmail('kim@acme.test')).toEqual([]);
      await context.close();
    } finally {
      provider.forgeState = null;
    }
  });

  it('explains a provider that goes down during the login, and signs in once it is back', async () => {
    provider.accounts.set('lea', { email: 'lea@acme.test', groups: ['engineers'] });
    provider.downAfterRedirect = true; // the code comes back, the token endpoint then answers 503
    try {
      const { context, page } = await fresh();
      await ssoLogin(page, 'lea', '/organizations/acme/stream/');
      expect(provider.down).toBe(true);
      const url = new URL(page.url());
      expect(url.pathname).toBe('/login/');
      expect(url.searchParams.get('error')).toBe('sso-unavailable');
      expect(url.searchParams.get('next')).toBe('/organizations/acme/stream/');
      await page.getByRole('alert').filter({ hasText: 'cannot be reached' }).waitFor();
      expect(await userByEmail('lea@acme.test')).toEqual([]);
      await screenshotThemes(page, 'login-sso-unavailable', { fullPage: false });

      provider.downAfterRedirect = false;
      provider.down = false;
      await ssoLogin(page, 'lea', '/organizations/acme/stream/');
      expect(page.url()).toBe(`${base}/organizations/acme/stream/`);
      expect(await userByEmail('lea@acme.test')).toHaveLength(1);
      await context.close();
    } finally {
      provider.downAfterRedirect = false;
      provider.down = false;
    }
  });

  it.each([
    ['a wrong nonce', { claims: { nonce: 'not-the-nonce-we-sent' } }],
    ['another audience', { claims: { aud: 'some-other-client' } }],
    [
      'an expired token (beyond the clock tolerance)',
      { claims: { exp: Math.floor(Date.now() / 1000) - 300, iat: Math.floor(Date.now() / 1000) - 900 } },
    ],
    [
      'a token issued in the future (beyond the clock tolerance)',
      { claims: { iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 1200 } },
    ],
    ['another issuer', { claims: { iss: 'http://127.0.0.1:1/' } }],
    ['a signature by a key the provider never published', { foreignKey: true }],
  ])('refuses an ID token with %s', async (_what, tamper) => {
    provider.accounts.set('erin', { email: 'erin@acme.test', groups: ['engineers'] });
    provider.tamper = tamper;
    try {
      const { context, page } = await fresh();
      await ssoLogin(page, 'erin');
      expect(new URL(page.url()).pathname).toBe('/login/');
      expect(new URL(page.url()).searchParams.get('error')).toBe('sso-refused');
      await page.getByRole('alert').filter({ hasText: 'failed a security check' }).waitFor();
      expect(await userByEmail('erin@acme.test')).toEqual([]);
      await context.close();
    } finally {
      provider.tamper = null;
    }
  });

  it('accepts an ID token whose expiry is within the clock tolerance', async () => {
    provider.accounts.set('fay', { email: 'fay@acme.test', groups: ['engineers'] });
    provider.tamper = { claims: { exp: Math.floor(Date.now() / 1000) - 20 } }; // 20 s late, tolerance 60 s
    try {
      const { context, page } = await fresh();
      await ssoLogin(page, 'fay');
      await page.waitForURL(`${base}/organizations/acme/issues/`);
      await context.close();
    } finally {
      provider.tamper = null;
    }
  });

  it('follows only same-origin return paths', async () => {
    provider.accounts.set('gus', { email: 'gus@acme.test', groups: ['engineers'] });
    for (const next of ['//evil.example/', '/\\evil.example/', 'https://evil.example/']) {
      const { context, page } = await fresh();
      await page.goto(`${base}/api/0/auth/oidc/login/?next=${encodeURIComponent(next)}`);
      await page.waitForURL((u) => u.origin === provider.issuer || u.origin === base);
      if (new URL(page.url()).origin === provider.issuer) {
        await page.locator('input[name=login]').fill('gus');
        await page.locator('input[name=password]').fill('x');
        await page.getByRole('button', { name: 'Sign-in' }).click();
      }
      await page.waitForURL(`${base}/organizations/acme/issues/`); // "/" then the app's own redirect
      await context.close();
    }
  });

  it('files an access request when the mapping grants nothing; an owner accepts it', async () => {
    const owner = await createMember(server.pool, { orgId: acme.orgId, role: 'owner' });
    provider.accounts.set('hal', { email: 'hal@acme.test', groups: ['marketing'] });
    const { context, page } = await fresh();
    await ssoLogin(page, 'hal');
    await page.waitForURL(`${base}/settings/account/`);
    await page.getByText('waiting for an owner').waitFor();
    await screenshotThemes(page, 'account-sso-pending', { fullPage: false });
    const [hal] = await userByEmail('hal@acme.test');
    expect(await roleIn(acme.orgId, hal!.id)).toBeNull();
    const list = await call(base, '/api/0/organizations/acme/access-requests/', { token: owner.token });
    expect(list.body).toEqual([expect.objectContaining({ userId: hal!.id, email: 'hal@acme.test' })]);
    await context.close();

    // The owner accepts in the organization settings, choosing the role.
    const admin = await fresh();
    await login(admin.page, base, owner.email, owner.password);
    await admin.page.goto(`${base}/settings/acme/`);
    const row = admin.page.getByRole('listitem').filter({ hasText: 'hal@acme.test' });
    await row.getByLabel('Role for hal@acme.test').selectOption('admin');
    await screenshotThemes(admin.page, 'org-settings-sso', { fullPage: true });
    await row.getByRole('button', { name: 'Accept' }).click();
    await admin.page.getByText('Nobody is waiting.').waitFor();
    expect(await roleIn(acme.orgId, hal!.id)).toBe('admin');
    expect((await call(base, '/api/0/organizations/acme/access-requests/', { token: owner.token })).body).toEqual([]);
    await admin.context.close();
  });

  it('password login off per organization: the form is gone, the endpoint refuses, API tokens still work', async () => {
    const owner = await createMember(server.pool, { orgId: acme.orgId, role: 'owner' });
    const other = await createProject(server.pool, { orgSlug: 'other-co', slug: 'api' });
    const outsider = await createMember(server.pool, { orgId: other.orgId, role: 'owner' });
    const off = await call(base, '/api/0/organizations/acme/auth-policy/', {
      method: 'PUT',
      token: owner.token,
      body: { passwordLogin: false },
    });
    expect(off.status).toBe(200);
    try {
      const { context, page } = await fresh();
      await page.goto(`${base}/login/?next=${encodeURIComponent('/organizations/acme/issues/')}`);
      await page.getByText('Password sign-in is turned off').waitFor();
      expect(await page.getByLabel('Password').count()).toBe(0);
      await expect.poll(() => page.getByRole('link', { name: BUTTON }).count()).toBe(1);
      await screenshotThemes(page, 'login-sso-only', { fullPage: false });
      await context.close();

      const refused = await call(base, '/api/0/auth/login/', {
        method: 'POST',
        body: { email: owner.email, password: owner.password },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('password-login-disabled');
      expect(refused.cookies.join(';')).not.toContain('faultline_session=');
      const wrong = await call(base, '/api/0/auth/login/', {
        method: 'POST',
        body: { email: owner.email, password: 'wrong password!' },
      });
      expect(wrong.status).toBe(401); // no hint that the account uses SSO without the password
      expect((await call(base, '/api/0/organizations/acme/', { token: owner.token })).status).toBe(200);

      // Another organization keeps its password form and its members their passwords.
      const page2 = await (await fresh()).page;
      await login(page2, base, outsider.email, outsider.password);
      expect(page2.url()).toBe(`${base}/organizations/other-co/issues/`);
      await page2.context().close();
    } finally {
      await call(base, '/api/0/organizations/acme/auth-policy/', {
        method: 'PUT',
        token: owner.token,
        body: { passwordLogin: true },
      });
    }
  });

  it('logout ends the local session and the provider session', async () => {
    provider.accounts.set('ivy', { email: 'ivy@acme.test', groups: ['engineers'] });
    const { context, page } = await fresh();
    await ssoLogin(page, 'ivy');
    await page.waitForURL(`${base}/organizations/acme/issues/`);
    const [ivy] = await userByEmail('ivy@acme.test');
    expect(await sessionCount(ivy!.id)).toBe(1);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL((u) => u.origin === base && u.pathname === '/login/');
    expect(await sessionCount(ivy!.id)).toBe(0);
    // The provider forgot us too: signing in again asks for the provider's login form.
    await page.getByRole('link', { name: BUTTON }).click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    await page.locator('input[name=login]').waitFor();
    await context.close();
  });
});

describe('OpenID Connect login when the provider is down', { timeout: 180_000 }, () => {
  let server: TestServer;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    await ensureUiBuilt();
    const deadIssuer = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    ({ server, base } = await startSsoServer(deadIssuer, await freePort()));
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows a clear message and password users still sign in', async () => {
    const project = await createProject(server.pool, { orgSlug: 'acme', slug: 'web' });
    const member = await createMember(server.pool, { orgId: project.orgId, role: 'member' });
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/login/`);
    await page.getByRole('link', { name: BUTTON }).click();
    await page.waitForURL(/\/login\/\?error=sso-unavailable/);
    await page.getByRole('alert').filter({ hasText: 'cannot be reached' }).waitFor();
    await login(page, base, member.email, member.password);
    expect(page.url()).toBe(`${base}/organizations/acme/issues/`);
    await context.close();
  });
});
