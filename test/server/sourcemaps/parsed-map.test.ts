// The decoded map and the scope index against the recorded Vite bundle: positions and names
// as the `source-map` library gives them.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSourceMapCache } from '../../../server/src/sourcemaps/cache.js';
import {
  originalPosition,
  parseSourceMap,
  SourceMapParseError,
  type ParsedMap,
} from '../../../server/src/sourcemaps/parsed-map.js';
import { buildScopeIndex, scopeNameAt } from '../../../server/src/sourcemaps/scopes.js';

const DIR = 'test/fixtures/sdk-captures/browser-sdk-11.12/bundle';
let map: ParsedMap;
let minified: string;

beforeAll(async () => {
  map = await parseSourceMap(await readFile(`${DIR}/index-CXTlBatX.js.map`, 'utf8'));
  minified = await readFile(`${DIR}/index-CXTlBatX.js`, 'utf8');
});

describe('parsed source map', () => {
  it.each([
    [33968, '../../main.js', 3, 60, null],
    [34079, '../../main.js', 6, 20, 'renderCart'],
    [16417, '../../../node_modules/@sentry/browser/build/npm/esm/prod/helpers.js', 63, 17, null],
  ])('maps line 15 column %i', (col, source, line, column, name) => {
    expect(originalPosition(map, 14, col - 1)).toMatchObject({ source, line, column, name });
  });

  it('has no mapping before the first one on a line or past the last line', () => {
    expect(originalPosition(map, 400, 0)).toBeNull();
  });

  it('keeps sourcesContent', () => {
    const i = map.sources.indexOf('../../main.js');
    expect(map.contents[i]).toContain('function renderCart(items)');
  });

  it('rejects what is not a map', async () => {
    await expect(parseSourceMap('<html>')).rejects.toBeInstanceOf(SourceMapParseError);
  });
});

describe('scope index', () => {
  it('names the functions frames fall in with their original names', () => {
    const scopes = buildScopeIndex(minified, map)!;
    expect(scopeNameAt(scopes, 14, 33952)).toEqual({ kind: 'named', name: 'renderCart' });
    expect(scopeNameAt(scopes, 14, 33967)).toEqual({ kind: 'anonymous', enclosing: 'renderCart' });
    expect(scopeNameAt(scopes, 14, 16416)).toEqual({ kind: 'named', name: 'sentryWrapped' });
  });

  it('gives up quietly on sources that do not parse', () => {
    expect(buildScopeIndex('function (', map)).toBeNull();
  });
});

describe('cache', () => {
  it('shares one load per key and stays within its byte bound', async () => {
    const cache = createSourceMapCache(map.bytes * 1.5);
    let loads = 0;
    const load = async () => {
      loads++;
      return { ok: true as const, map, scopes: null, lines: new Map() };
    };
    const [a, b] = await Promise.all([cache.load('1:', load), cache.load('1:', load)]);
    expect(a).toBe(b);
    expect(loads).toBe(1);
    await cache.load('2:', load); // evicts the first: the bound holds one map
    expect(cache.peek('1:')).toBe(false);
    expect(cache.peek('2:')).toBe(true);
    expect(cache.stats().bytes).toBeLessThanOrEqual(map.bytes * 1.5);
  });
});
