// JavaScript specifics: module names derived from URLs (checked against Sentry's algorithm run in
// Python on the same inputs), URL origins, and the cross-browser function-name fuzzing.
import { describe, expect, it } from 'vitest';
import { deriveJsModule } from '../../../server/src/grouping/index.js';
import {
  behaviorFamily,
  hasUrlOrigin,
  isLowQualityJsFrame,
  isUnknownJsFunction,
  trimJsFunction,
} from '../../../server/src/grouping/javascript.js';

describe('deriveJsModule', () => {
  it.each([
    ['http://google.com/js/v1.0/foo/bar/baz.js', 'foo/bar/baz'],
    ['http://host/js/v1.0/foo/bar/baz.min.js', 'foo/bar/baz'],
    ['http://localhost:4001/test.html', 'test'],
    ['webpack:///./app/components/modals/createTeamModal.jsx', 'app/components/modals/createTeamModal'],
    [
      'webpack:////usr/src/app/node_modules/@babel/runtime/helpers/asyncToGenerator.js',
      'usr/src/app/node_modules/@babel/runtime/helpers/asyncToGenerator',
    ],
    ['https://s1.sentry-cdn.com/_static/7929ba007069f1372e3af911f1e947cd/sentry/dist/app.js', 'sentry/dist/app'], // md5 folder
    ['https://example.com/assets/3f786850e387550fdab836ed7e6dc881de23001b/app.js', 'app'], // sha1 folder
    ['https://example.com/static/js/main-3f2a1b9cd.js', 'main'], // trailing commit-ish
    ['https://cdn.example.com/1.2.3/lib/thing.js', 'lib/thing'], // version folder
    ['https://example.com/bower_components/jquery/dist/jquery.min.js?v=3#x', 'jquery/dist/jquery'],
    ['http://x/_next/static/chunks/pages/index-abc123def.js', 'chunks/pages/index'],
    ['http://127.0.0.1:9930/assets/index-CXTlBatX.js', 'assets/index-CXTlBatX'], // base64-ish vite hash: kept, as Sentry does
    ['app:///dist/bundle.js', 'dist/bundle'],
    ['node:internal/timers', 'internal/timers'],
    ['https://example.com/', null],
    ['', null],
  ])('%s → %s', (url, expected) => {
    expect(deriveJsModule(url)).toBe(expected);
  });
});

describe('JS helpers', () => {
  it.each([
    ['http://a/b.js', false, true],
    ['blob:http://a/7f7aaadf', false, true],
    ['file:///tmp/test.html', false, false],
    ['file:///tmp/test.html', true, true],
    ['/srv/app.js', true, false],
    [undefined, true, false],
  ] as const)('hasUrlOrigin(%s, filesCountAsUrls=%s) is %s', (path, files, expected) => {
    expect(hasUrlOrigin(path, files)).toBe(expected);
  });

  it.each([
    ['Object.aha', 'aha'],
    ['Foo.prototype.testMethod', 'testMethod'],
    ['Hub.Object.<anonymous>.Hub.withScope', 'withScope'],
    ['Hub.mockConstructor [as captureException]', 'mockConstructor [as captureException]'],
    ['esm.run', 'run'],
    ['plain', 'plain'],
  ])('trims %s to %s', (name, expected) => {
    expect(trimJsFunction(name)).toBe(expected);
  });

  it('knows anonymous function names of every browser', () => {
    expect(
      ['?', '<anonymous>', '<anonymous function>', 'Anonymous function', 'test/<'].every(isUnknownJsFunction),
    ).toBe(true);
    expect(isUnknownJsFunction('renderCart')).toBe(false);
  });

  it('drops eval and native/anonymous-origin frames as low quality', () => {
    expect(isLowQualityJsFrame('eval', 'file:///x.html')).toBe(true);
    expect(
      ['[native code]', 'native code', 'eval code', '<anonymous>'].every((p) => isLowQualityJsFrame('map', p)),
    ).toBe(true);
    expect(isLowQualityJsFrame('map', 'http://x/a.js')).toBe(false);
  });

  it('puts node in the javascript family and unknown platforms in "other"', () => {
    expect([
      behaviorFamily('node'),
      behaviorFamily('javascript'),
      behaviorFamily('cocoa'),
      behaviorFamily('python'),
      behaviorFamily(undefined),
    ]).toEqual(['javascript', 'javascript', 'native', 'other', 'other']);
  });
});
