import { describe, expect, it } from 'vitest';
import { href, matchRoute, orgOfPath, safeNext } from './routes.js';
import { parseLinkHeader } from './link.js';
import { barHeights, sparklinePoints } from './sparkline.js';
import { moveCursor, shortcutFor } from './shortcuts.js';

describe('matchRoute', () => {
  it.each([
    ['/', 'home', {}],
    ['/login/', 'login', {}],
    ['/organizations/acme/issues/', 'issues', { org: 'acme' }],
    ['/organizations/acme/issues/42', 'issue', { org: 'acme', issueId: '42' }],
    ['/organizations/acme/issues/42/events/abc/', 'issue', { org: 'acme', issueId: '42', eventId: 'abc' }],
    ['/organizations/acme/releases/web%401.0/', 'release', { org: 'acme', version: 'web@1.0' }],
    ['/settings/acme/projects/web/', 'projectSettings', { org: 'acme', project: 'web' }],
    ['/organizations/acme/releases/1.0/deploys/3/', 'deploy', { org: 'acme', version: '1.0', deployId: '3' }],
    ['/settings/account/', 'account', {}],
    ['/nope/', 'notFound', {}],
  ])('%s → %s', (path, name, params) => {
    expect(matchRoute(path)).toEqual({ name, params });
  });

  it('builds hrefs that match back', () => {
    expect(matchRoute(href.release('acme', 'a/b 1')).params.version).toBe('a/b 1');
    expect(href.issues('acme', { query: 'is:unresolved', sort: '' })).toBe(
      '/organizations/acme/issues/?query=is%3Aunresolved',
    );
  });

  it('only follows same-origin next paths', () => {
    expect(safeNext('/organizations/a/issues/')).toBe('/organizations/a/issues/');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
  });

  it.each(['/\\evil.example/', '/\t/evil.example/', '/x\n', 'javascript:alert(1)', `/${'a'.repeat(2048)}`])(
    'refuses %j as a next path',
    (next) => {
      expect(safeNext(next)).toBe('/');
    },
  );

  it.each([
    ['/organizations/acme/issues/', 'acme'],
    ['/settings/acme/projects/web/', 'acme'],
    ['/settings/account/', null],
    ['/', null],
  ])('orgOfPath(%j) is %j', (path, org) => {
    expect(orgOfPath(path)).toBe(org);
  });
});

describe('parseLinkHeader', () => {
  it('reads cursors that have results', () => {
    const h =
      '<http://x/api/0/organizations/a/issues/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ' +
      '<http://x/api/0/organizations/a/issues/?cursor=0:25:0>; rel="next"; results="true"; cursor="0:25:0"';
    expect(parseLinkHeader(h)).toEqual({ previous: null, next: '0:25:0' });
    expect(parseLinkHeader(null)).toEqual({ previous: null, next: null });
  });
});

describe('sparkline geometry', () => {
  it('scales bars and keeps small counts visible', () => {
    expect(
      barHeights(
        [
          [0, 0],
          [1, 1],
          [2, 100],
        ],
        20,
      ),
    ).toEqual([0, 1, 20]);
    expect(barHeights([[0, 0]], 20)).toEqual([0]);
  });
  it('draws a polyline across the width', () => {
    expect(
      sparklinePoints(
        [
          [0, 0],
          [1, 2],
          [2, 1],
        ],
        10,
        4,
      ),
    ).toBe('0,4 5,0 10,2');
  });
});

describe('shortcuts', () => {
  it.each([
    [{ key: 'j' }, 'next'],
    [{ key: 'k' }, 'prev'],
    [{ key: 'Enter', targetTag: 'DIV' }, 'open'],
    [{ key: 'r' }, 'resolve'],
    [{ key: 'i' }, 'ignore'],
    [{ key: 'j', targetTag: 'INPUT' }, null],
    [{ key: 'r', ctrlKey: true }, null],
    [{ key: 'Enter', targetTag: 'BUTTON' }, null],
    [{ key: 'q' }, null],
  ])('%j → %s', (e, action) => expect(shortcutFor(e)).toBe(action));

  it('moves a clamped cursor', () => {
    expect(moveCursor(-1, 1, 3)).toBe(0);
    expect(moveCursor(2, 1, 3)).toBe(2);
    expect(moveCursor(0, -1, 3)).toBe(0);
    expect(moveCursor(0, 1, 0)).toBe(-1);
  });
});
