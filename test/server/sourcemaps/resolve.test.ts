import { describe, expect, it } from 'vitest';
import {
  candidateUrls,
  contextLines,
  decodeDataUrl,
  displayFilename,
  fillJsFrameMeta,
  inAppFor,
  isCandidateFrame,
  joinUrl,
  normalizeDebugId,
  sourceMappingUrlOf,
  sourcemapImages,
} from '../../../server/src/sourcemaps/resolve.js';
import type { Frame } from '../../../server/src/shared/protocol/event.js';

describe('URLs', () => {
  it.each([
    ['http://h/assets/app.js.map', '../../src/a.js', 'http://h/src/a.js'],
    ['http://h/assets/app.js.map', '../../../node_modules/x/y.js', 'http://h/node_modules/x/y.js'],
    ['http://h/assets/app.js?v=3', 'app.js.map', 'http://h/assets/app.js.map'],
    ['~/assets/app.js', 'app.js.map', '~/assets/app.js.map'],
    ['http://h/a/b.js', '/maps/b.js.map', 'http://h/maps/b.js.map'],
    ['http://h/a/b.js', '~/maps/b.js.map', 'http://h/maps/b.js.map'],
    ['https://h/a/b.js', '//cdn/b.js.map', 'https://cdn/b.js.map'],
    ['/srv/app/dist/x.js.map', '../src/x.ts', '/srv/app/src/x.ts'],
    ['http://h/x.js.map', 'webpack://app/./src/x.ts', 'webpack://app/./src/x.ts'],
  ])('joinUrl(%s, %s) = %s', (base, ref, expected) => {
    expect(joinUrl(base, ref)).toBe(expected);
  });

  it('lists release-file candidates like Sentry', () => {
    expect(candidateUrls('https://example.com/assets/bundle.min.js?foo=1#x')).toEqual([
      'https://example.com/assets/bundle.min.js?foo=1',
      'https://example.com/assets/bundle.min.js',
      '~/assets/bundle.min.js?foo=1',
      '~/assets/bundle.min.js',
    ]);
    expect(candidateUrls('app:///_next/server/pages/_error.js')).toEqual([
      'app:///_next/server/pages/_error.js',
      '~/_next/server/pages/_error.js',
    ]);
  });

  it.each([
    ['http://google.com/js/v1.0/foo/bar/baz.js', 'foo/bar/baz'],
    ['http://localhost:4001/test.html', 'test'],
    ['http://127.0.0.1:9930/main.js', 'main'],
    ['http://h/static/0123456789abcdef0123456789abcdef/app/x.min.js', 'app/x'],
    ['http://h/assets/index-CXTlBatX.js', 'assets/index-CXTlBatX'],
    ['webpack:///./src/cart/api.jsx', 'src/cart/api'],
    ['app:///_next/static/chunks/pages/index-3f1a2b9c8d.js', 'chunks/pages/index'],
  ])('a frame from %s without a module gets module %s', (url, expected) => {
    const frame: Frame = { abs_path: url, function: 'f', lineno: 1 };
    expect(fillJsFrameMeta(frame)).toBe(true);
    expect(frame.module).toBe(expected);
  });

  it('derives modules from the filename when abs_path is missing, never over the SDK module or for local paths', () => {
    const browser: Frame = {
      filename: 'http://127.0.0.1:9930/assets/index-CXTlBatX.js',
      lineno: 15,
      colno: 3,
      in_app: true,
    };
    expect(fillJsFrameMeta(browser)).toBe(true);
    expect(browser).toEqual({
      filename: 'http://127.0.0.1:9930/assets/index-CXTlBatX.js',
      module: 'assets/index-CXTlBatX',
      lineno: 15,
      colno: 3,
      in_app: true,
    });
    const sdkModule: Frame = { abs_path: 'https://h/js/app.js', module: 'checkout' };
    expect(fillJsFrameMeta(sdkModule)).toBe(false);
    expect(sdkModule.module).toBe('checkout');
    for (const path of ['/srv/app/server.js', 'file:///srv/app/server.js', '<anonymous>', '[native code]']) {
      const local: Frame = { abs_path: path, function: 'handle' };
      expect(fillJsFrameMeta(local)).toBe(false);
      expect(local).toEqual({ abs_path: path, function: 'handle' });
    }
    const noModule: Frame = { abs_path: 'http://localhost/' };
    expect(fillJsFrameMeta(noModule)).toBe(false);
    expect(noModule.module).toBeUndefined();
  });

  it.each<[string, string | undefined, boolean]>([
    ['webpack:///./src/cart.ts', './src/cart.ts', true],
    ['webpack:///./~/lodash/index.js', '~/lodash/index.js', false],
    ['webpack:///./node_modules/react-dom/index.js', undefined, false],
    ['app:///main.jsbundle', undefined, true],
    ['app:///node_modules/react-native/Libraries/x.js', undefined, false],
  ])('in_app for %s (filename %s) the SDK did not set: %s', (absPath, filename, expected) => {
    const frame: Frame = { abs_path: absPath, ...(filename ? { filename } : {}) };
    fillJsFrameMeta(frame);
    expect(frame.in_app).toBe(expected);
  });

  it('keeps the in_app the SDK sent, and leaves http frames to the in-app rules', () => {
    const sdk: Frame = { abs_path: 'webpack:///./node_modules/x/y.js', module: 'x/y', in_app: true };
    expect(fillJsFrameMeta(sdk)).toBe(false);
    expect(sdk.in_app).toBe(true);
    const http: Frame = { abs_path: 'https://h/static/app.js' };
    fillJsFrameMeta(http);
    expect(http.in_app).toBeUndefined();
  });

  it('fixes webpack filenames and in_app', () => {
    expect(displayFilename('webpack://app/./src/cart.ts')).toBe('./src/cart.ts');
    expect(displayFilename('webpack:///./~/lodash/index.js')).toBe('~/lodash/index.js');
    expect(inAppFor('webpack://app/./src/cart.ts', './src/cart.ts')).toBe(true);
    expect(inAppFor('http://h/node_modules/x.js', 'x.js')).toBe(false);
    expect(inAppFor('http://h/main.js', '../../main.js')).toBeNull();
  });
});

describe('references', () => {
  it('finds sourceMappingURL at the end, and data URLs', () => {
    expect(sourceMappingUrlOf('a()\n//# sourceMappingURL=app.js.map\n')).toBe('app.js.map');
    expect(
      sourceMappingUrlOf('a()\n//# sourceMappingURL=app.js.map\n//# debugId=85314830-023f-4cf1-a267-535f4e37bb17\n'),
    ).toBe('app.js.map');
    expect(sourceMappingUrlOf('a() // no map')).toBeNull();
    expect(decodeDataUrl(`data:application/json;base64,${Buffer.from('{"version":3}').toString('base64')}`)).toBe(
      '{"version":3}',
    );
  });

  it('normalizes debug ids and reads debug_meta images', () => {
    expect(normalizeDebugId('AD100042-5A68-55A7-BAFC-D0B4C4D87383')).toBe('ad100042-5a68-55a7-bafc-d0b4c4d87383');
    expect(normalizeDebugId('ad1000425a6855a7bafcd0b4c4d87383')).toBe('ad100042-5a68-55a7-bafc-d0b4c4d87383');
    expect(normalizeDebugId('nope')).toBeNull();
    expect([
      ...sourcemapImages([
        { type: 'sourcemap', code_file: 'http://h/a.js', debug_id: 'ad100042-5a68-55a7-bafc-d0b4c4d87383' },
        { type: 'macho' },
      ]),
    ]).toEqual([['http://h/a.js', 'ad100042-5a68-55a7-bafc-d0b4c4d87383']]);
  });

  it('picks frames worth resolving', () => {
    expect(isCandidateFrame({ filename: 'http://h/a.js', lineno: 1, colno: 5 }, false)).toBe(true);
    expect(isCandidateFrame({ filename: '<anonymous>', function: 'Array.map' }, false)).toBe(false);
    expect(isCandidateFrame({ filename: '/srv/app/a.js', lineno: 3, context_line: 'x()' }, false)).toBe(false);
    expect(isCandidateFrame({ filename: '/srv/app/a.js', lineno: 3, context_line: 'x()' }, true)).toBe(true);
  });
});

describe('contextLines', () => {
  const lines = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`);
  it('takes five lines around, cutting long lines around the column', () => {
    expect(contextLines(lines, 6, 1)).toEqual({
      pre_context: lines.slice(0, 5),
      context_line: 'line 6',
      post_context: lines.slice(6, 11),
    });
    const long = `${'a'.repeat(300)}HERE${'b'.repeat(300)}`;
    const c = contextLines([long], 1, 302)!;
    expect(c.context_line).toContain('HERE');
    expect(c.context_line!.length).toBeLessThan(160);
    expect(contextLines(lines, 40, 1)).toBeNull();
  });
});
