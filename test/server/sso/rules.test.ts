import { describe, expect, it } from 'vitest';
import {
  claimValues,
  isEmailDomainAllowed,
  mapRoles,
  parseRoleMapping,
  safeReturnPath,
} from '../../../server/src/sso/rules.js';
import { ConfigError, loadConfig } from '../../../server/src/config.js';

describe('parseRoleMapping', () => {
  it('reads value=org:role entries', () => {
    expect(parseRoleMapping(' eng=acme:admin, *=acme:member ,ops team=web-co:owner')).toEqual([
      { value: 'eng', org: 'acme', role: 'admin' },
      { value: '*', org: 'acme', role: 'member' },
      { value: 'ops team', org: 'web-co', role: 'owner' },
    ]);
    expect(parseRoleMapping('')).toEqual([]);
  });

  it.each(['eng=acme', 'eng=acme:root', '=acme:admin', 'eng=Acme Co:admin'])('refuses %j', (text) => {
    expect(() => parseRoleMapping(text)).toThrow(/bad entry/);
  });
});

describe('mapRoles', () => {
  const rules = parseRoleMapping('eng=acme:member,leads=acme:admin,*=public:member,ops=ops:owner');
  it.each([
    [['eng'], { acme: 'member', public: 'member' }],
    [['leads', 'eng'], { acme: 'admin', public: 'member' }],
    [['ops'], { public: 'member', ops: 'owner' }],
    [[], { public: 'member' }],
  ])('%j → %j', (values, expected) => {
    expect(Object.fromEntries(mapRoles(rules, values))).toEqual(expected);
  });
});

describe('claimValues', () => {
  it.each([
    ['eng', ['eng']],
    [
      ['eng', 7, null, 'ops'],
      ['eng', 'ops'],
    ],
    [undefined, []],
    [{ eng: true }, []],
    ['x'.repeat(257), []],
  ])('%j → %j', (claim, expected) => {
    expect(claimValues(claim)).toEqual(expected);
  });

  it('looks at a bounded number of values', () => {
    expect(claimValues(Array.from({ length: 100_000 }, (_, i) => `g${i}`))).toHaveLength(1000);
  });
});

describe('isEmailDomainAllowed', () => {
  it.each([
    ['a@acme.com', [], true],
    ['a@ACME.com', ['acme.com'], true],
    ['a@evil-acme.com', ['acme.com'], false],
    ['a@acme.com.evil', ['acme.com'], false],
    ['a@sub.acme.com', ['acme.com'], false],
    ['no-at-sign', ['acme.com'], false],
  ])('%s with %j → %s', (email, allowed, ok) => {
    expect(isEmailDomainAllowed(email, allowed)).toBe(ok);
  });
});

describe('safeReturnPath', () => {
  it.each([
    ['/organizations/acme/issues/?query=is:unresolved', '/organizations/acme/issues/?query=is:unresolved'],
    ['//evil.example/', '/'],
    ['/\\evil.example/', '/'],
    ['/\\\\evil.example/', '/'],
    ['/x\\y', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['/\t/evil.example/', '/'],
    ['/ok\r\nSet-Cookie: x=1', '/'],
    [`/${'a'.repeat(2048)}`, '/'],
    [['/a', '/b'], '/'],
    [undefined, '/'],
  ])('%j → %j', (next, expected) => {
    expect(safeReturnPath(next)).toBe(expected);
  });
});

describe('OIDC configuration', () => {
  it('is off unless issuer and client id are both set', () => {
    expect(loadConfig({}).oidc).toBeNull();
    expect(() => loadConfig({ OIDC_ISSUER: 'https://sso.example.com' })).toThrow(/OIDC_ISSUER and OIDC_CLIENT_ID/);
  });

  it('parses the mapping, domains and scopes', () => {
    const c = loadConfig({
      OIDC_ISSUER: 'https://sso.example.com/realms/acme',
      OIDC_CLIENT_ID: 'faultline',
      OIDC_SCOPES: 'email groups',
      OIDC_ALLOWED_DOMAINS: ' Acme.com, @example.org ,',
      OIDC_ROLE_MAPPING: 'eng=acme:admin',
    }).oidc;
    expect(c).toMatchObject({
      clientSecret: null,
      scopes: 'openid email groups',
      allowedDomains: ['acme.com', 'example.org'],
      roleMapping: [{ value: 'eng', org: 'acme', role: 'admin' }],
      clockToleranceSeconds: 60,
      buttonLabel: 'Sign in with SSO',
    });
  });

  it('names a bad mapping and an out-of-range tolerance', () => {
    expect(() =>
      loadConfig({ OIDC_ISSUER: 'https://sso.example.com', OIDC_CLIENT_ID: 'f', OIDC_ROLE_MAPPING: 'eng=acme:god' }),
    ).toThrow(ConfigError);
    expect(() => loadConfig({ OIDC_CLOCK_TOLERANCE_SECONDS: '3600' })).toThrow(/OIDC_CLOCK_TOLERANCE_SECONDS/);
  });

  it.each(['http://sso.example.com', 'ftp://sso.example.com', 'http://127.0.0.2:8080'])(
    'refuses the issuer %j at start: tokens must come over TLS',
    (issuer) => {
      expect(() => loadConfig({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'f' })).toThrow(/OIDC_ISSUER: use an https/);
    },
  );

  it.each(['https://sso.example.com', 'http://127.0.0.1:9000', 'http://localhost:9000/realms/dev'])(
    'accepts the issuer %j',
    (issuer) => {
      expect(loadConfig({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'f' }).oidc?.issuer).toBe(issuer);
    },
  );
});
