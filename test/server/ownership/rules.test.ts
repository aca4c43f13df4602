// Ownership rules (pure): every rule kind, glob edge cases, precedence (the last matching rule
// wins, as in Sentry), parse errors with line numbers, and CODEOWNERS import.
import { describe, expect, it } from 'vitest';
import { convertCodeowners } from '../../../server/src/ownership/codeowners.js';
import {
  codeownersMatch,
  findOwners,
  parseRules,
  ruleMatches,
  type OwnershipEvent,
} from '../../../server/src/ownership/rules.js';

const event = (over: Partial<OwnershipEvent> = {}): OwnershipEvent => ({
  frames: [
    {
      absPath: '/srv/app/node_modules/express/lib/router.js',
      filename: '/srv/app/node_modules/express/lib/router.js',
      module: 'express.lib.router',
    },
    { absPath: '/srv/app/src/billing/cart.js', filename: 'src/billing/cart.js', module: 'billing.cart' },
  ],
  url: 'https://shop.test/checkout/pay?x=1',
  tags: [
    ['browser', 'Chrome 120'],
    ['customer.tier', 'gold'],
  ],
  ...over,
});

const one = (raw: string) => {
  const { rules, errors } = parseRules(raw);
  expect(errors).toEqual([]);
  return rules[0]!;
};

describe('rule kinds and globs', () => {
  it.each([
    ['path:src/billing/cart.js a@x.io', true],
    ['path:src/billing/* a@x.io', true],
    ['path:src/* a@x.io', true], // `*` crosses `/` (Sentry glob_match)
    ['path:*/billing/cart.js a@x.io', true],
    ['path:/srv/app/src/** a@x.io', true],
    ['path:/src/billing/cart.js a@x.io', false], // anchored at the root: /srv/… is not /src/…
    ['path:SRC/BILLING/CART.JS a@x.io', true], // case-insensitive
    ['path:src/billing/cart.ts a@x.io', false],
    ['path:illing/cart.js a@x.io', false], // relative patterns match at a directory boundary only
    ['src/billing/*.js a@x.io', true], // no type: path
    ['path:src/billing/cart.?s a@x.io', true],
    ['path:src/billing/[ck]art.js a@x.io', true],
    ['path:src/billing/{cart,pay}.js a@x.io', true],
    ['module:billing.* a@x.io', true],
    ['module:billing a@x.io', false],
    ['module:express.lib.* a@x.io', true],
    ['url:https://shop.test/checkout/* a@x.io', true],
    ['url:*/admin/* a@x.io', false],
    ['tags.browser:Chrome* a@x.io', true],
    ['tags.browser:Firefox* a@x.io', false],
    ['tags.customer.tier:gold a@x.io', true],
    ['tags.missing:* a@x.io', false],
    ['tags.browser:"Chrome 120" a@x.io', true],
    ['codeowners:/src/billing/ a@x.io', true],
    ['codeowners:*.js a@x.io', true],
    ['codeowners:billing/*.js a@x.io', true],
    ['codeowners:docs/ a@x.io', false],
  ])('%s → %s', (raw, expected) => {
    expect(ruleMatches(one(raw), event())).toBe(expected);
  });

  it('matches url rules only when the event has a URL', () => {
    expect(ruleMatches(one('url:* a@x.io'), event({ url: null }))).toBe(false);
  });

  it.each([
    ['/src/', 'repo/src/a/b.js', true],
    ['/src/', 'repo/lib/src.js', false],
    ['src/*.js', 'x/src/a.js', true],
    ['src/*.js', 'x/src/a/b.js', false], // `*` stops at `/` in CODEOWNERS
    ['src/**/b.js', 'x/src/a/c/b.js', true],
    ['*', 'anything/at/all.py', true],
    ['build/', 'build', false], // a directory pattern does not name a file
  ])('codeowners %s against %s → %s', (pattern, path, expected) => {
    expect(codeownersMatch(pattern, path)).toBe(expected);
  });
});

describe('precedence', () => {
  it('puts the last matching rule first and dedupes owners in that order', () => {
    const { rules } = parseRules(
      ['path:src/* #web a@x.io', 'url:*checkout* b@x.io', 'path:*.py c@x.io', 'module:billing.cart a@x.io d@x.io'].join(
        '\n',
      ),
    );
    const found = findOwners(rules, event());
    expect(found.rules.map((r) => r.line)).toEqual([4, 2, 1]);
    expect(found.owners).toEqual([
      { type: 'user', email: 'a@x.io' },
      { type: 'user', email: 'd@x.io' },
      { type: 'user', email: 'b@x.io' },
      { type: 'team', slug: 'web' },
    ]);
  });

  it('has no owners when nothing matches', () => {
    expect(findOwners(parseRules('path:*.py a@x.io').rules, event())).toEqual({ rules: [], owners: [] });
  });
});

describe('parse errors name the line', () => {
  it.each([
    ['path:src/*', 1, 'no owners'],
    ['# comment\n\npath:src/* not-an-owner', 3, '"not-an-owner" is not an owner'],
    ['path:a a@x.io\nfoo:bar a@x.io', 2, 'unknown rule type "foo"'],
    ['path:a a@x.io\npath:b @someone', 2, '"@someone" is not an owner'],
    ['path:"" a@x.io', 1, 'empty pattern'],
  ])('%j → line %i', (raw, line, message) => {
    const { errors } = parseRules(raw);
    expect(errors[0]).toMatchObject({ line });
    expect(errors[0]!.message).toContain(message);
  });

  it('ignores comments and blank lines, keeps #team owners apart from comments', () => {
    const { rules, errors } = parseRules('# owners\n\n  path:src/* #web   # not a comment here\n');
    expect(errors).toEqual([{ line: 3, message: '"#" is not an owner (use a member\'s e-mail or #team)' }]);
    expect(rules).toEqual([]);
    expect(parseRules('# owners\n\n  path:src/* #web\n').rules[0]).toMatchObject({
      line: 3,
      owners: [{ type: 'team', slug: 'web' }],
    });
  });
});

describe('CODEOWNERS import', () => {
  const text = [
    '# CODEOWNERS',
    '*                 @acme/platform',
    '/src/billing/     @alice-gh bob@x.io',
    '*.md              @acme/docs   # docs team',
    '[Frontend]',
    '/ui/              ',
  ].join('\n');

  it('converts patterns and owners into codeowners: rules', () => {
    const out = convertCodeowners(text, { '@alice-gh': 'alice@x.io' });
    expect(out.errors).toEqual([]);
    expect(out.raw).toBe(
      ['codeowners:* #platform', 'codeowners:/src/billing/ alice@x.io bob@x.io', 'codeowners:*.md #docs'].join('\n'),
    );
    const { rules, errors } = parseRules(out.raw);
    expect(errors).toEqual([]);
    expect(findOwners(rules, event()).owners[0]).toEqual({ type: 'user', email: 'alice@x.io' });
  });

  it('names the line of a handle without an association', () => {
    expect(convertCodeowners(text, {}).errors).toEqual([{ line: 3, message: expect.stringContaining('@alice-gh') }]);
  });
});
