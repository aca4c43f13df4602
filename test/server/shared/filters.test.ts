// The inbound filters, one table per filter (cases after Relay's relay-filter tests), the glob
// matcher, and the composition order.
import { describe, expect, it } from 'vitest';
import {
  NO_FILTERS,
  parseFilterSettings,
  shouldFilter,
  type FilterableEvent,
  type InboundFilterSettings,
} from '../../../server/src/shared/filters/index.js';
import { globMatcher } from '../../../server/src/shared/filters/glob.js';
import { parseBrowser } from '../../../server/src/shared/filters/user-agent.js';

const on = (s: Partial<InboundFilterSettings>): InboundFilterSettings => ({ ...NO_FILTERS, ...s });
const ua = (agent: string): FilterableEvent => ({ request: { headers: [['User-Agent', agent]] } });
const exc = (type: string | undefined, value: string | undefined, frames?: string[]): FilterableEvent => ({
  exception: {
    values: [{ type, value, stacktrace: frames ? { frames: frames.map((abs_path) => ({ abs_path })) } : undefined }],
  },
});

describe('glob', () => {
  it.each([
    ['*', 'anything', true],
    ['', '', true],
    ['', 'x', false],
    ['filteredexception*', 'FilteredException: boom', true],
    ['*this is a filtered exception.', 'FilteredException: This is a filtered exception.', true],
    ['this is', 'this is a message', false],
    ['1.0.?', '1.0.7', true],
    ['1.0.?', '1.0.17', false],
    ['*{418,423}*', 'Minified React error #423; visit', true],
    ['*{418,423}*', 'Minified React error #500', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['ChunkLoadError: Loading chunk *', 'chunkloaderror: loading chunk 175 failed.', true],
  ])('%j matches %j: %s', (pattern, subject, expected) => {
    expect(globMatcher(pattern)(subject)).toBe(expected);
  });

  it('stays fast on a pathological pattern', () => {
    const m = globMatcher('*a*a*a*a*a*a*a*b');
    expect(m('a'.repeat(100_000))).toBe(false);
  });
});

describe('localhost', () => {
  const s = on({ localhost: true });
  it.each<[string, FilterableEvent, boolean]>([
    ['ip 127.0.0.1', { user: { ip_address: '127.0.0.1' } }, true],
    ['ip ::1', { user: { ip_address: '::1' } }, true],
    ['public ip', { user: { ip_address: '133.12.12.1' } }, false],
    ['localhost url', { request: { url: 'http://localhost:8080/' } }, true],
    ['subdomain', { request: { url: 'http://foo.bar.localhost:8080/' } }, true],
    ['127.0.0.1 url', { request: { url: 'http://127.0.0.1:8080/x' } }, true],
    ['file url', { request: { url: 'file:///Users/x/index.html' } }, true],
    ['localhost.com', { request: { url: 'http://localhost.com/' } }, false],
    ['foolocalhost', { request: { url: 'http://foolocalhost/' } }, false],
    ['x-forwarded-for', { request: { headers: { 'X-Forwarded-For': '127.0.0.1' } } }, true],
    ['host header', { request: { headers: [['Host', 'localhost:3000']] } }, true],
    ['host subdomain', { request: { headers: [['Host', 'localhost.sentry.io:3000']] } }, false],
    ['nothing', {}, false],
  ])('%s', (_name, event, filtered) => {
    expect(shouldFilter(event, s)).toBe(filtered ? 'localhost' : null);
    expect(shouldFilter(event, NO_FILTERS)).toBeNull();
  });
});

describe('browser-extensions', () => {
  const s = on({ browserExtensions: true });
  it.each<[string, FilterableEvent, boolean]>([
    [
      'extension source',
      exc('Error', 'x', ['https://app.example/a.js', 'chrome-extension://abc/inject.js', '<anonymous>']),
      true,
    ],
    ['moz-extension', exc('Error', 'x', ['moz-extension://abc/x.js']), true],
    ['kaspersky', exc('Error', 'x', ['https://fscr.kaspersky-labs.com/B-9B72/main.js']), true],
    ['app source', exc('Error', 'x', ['chrome-extension://abc/x.js', 'https://app.example/a.js']), false],
    ['known message', exc('TypeError', "can't access dead object"), true],
    ['fb', exc(undefined, 'bad news, we have a fb_xd_fragment'), true],
    ['normal', exc('TypeError', 'x is undefined', ['https://app.example/a.js']), false],
  ])('%s', (_name, event, filtered) => {
    expect(shouldFilter(event, s)).toBe(filtered ? 'browser-extensions' : null);
  });
});

describe('web-crawlers', () => {
  const s = on({ webCrawlers: true });
  it.each([
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', true],
    ['Twitterbot/1.0', true],
    ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', true],
    ['Slackbot 1.0(+https://api.slack.com/robots)', false],
    ['Better Uptime Bot Mozilla/5.0', true],
    ['Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36', false],
    ['APIs-Google (+https://developers.google.com/webmasters/APIs-Google.html)', false],
  ])('%s → %s', (agent, filtered) => {
    expect(shouldFilter(ua(agent), s)).toBe(filtered ? 'web-crawlers' : null);
  });
});

describe('legacy-browsers', () => {
  const IE8 = 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.0; Trident/4.0)';
  const IE9 = 'Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 7.1; Trident/5.0)';
  const IE10 = 'Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)';
  const IE11 = 'Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko';
  const OPERA14 =
    'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/27.0.1453.12 Safari/537.36 OPR/14.0.1116.4';
  const OPERA12 = 'Opera/9.80 (X11; Linux i686; Ubuntu/14.10) Presto/2.12.388 Version/12.16';
  const OPERA_MINI7 = 'Opera/9.80 (J2ME/MIDP; Opera Mini/7.0.32796/59.323; U; fr) Presto/2.12.423 Version/12.16';
  const ANDROID3 =
    'Mozilla/5.0 (Linux; U; Android 3.2; nl-nl; GT-P6800 Build/HTJ85B) AppleWebKit/534.13 (KHTML, like Gecko) Version/4.0 Safari/534.13';
  const ANDROID4_CHROME =
    'Mozilla/5.0 (Linux; Android 4.0.4; Galaxy Nexus Build/IMM76B) AppleWebKit/535.19 (KHTML, like Gecko) Chrome/18.0.1025.133 Mobile Safari/535.19';
  const SAFARI5 =
    'Mozilla/5.0 (Windows; U; Windows NT 6.1; zh-HK) AppleWebKit/533.18.1 (KHTML, like Gecko) Version/5.0.2 Safari/533.18.5';
  const SAFARI7 =
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_3) AppleWebKit/537.75.14 (KHTML, like Gecko) Version/7.0.3 Safari/7046A194A';
  const EDGE12 =
    'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.10136';
  const CHROME120 =
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
  const FIREFOX50 = 'Mozilla/5.0 (X11; Linux x86_64; rv:50.0) Gecko/20100101 Firefox/50.0';

  it.each([
    [IE8, { family: 'IE', major: 8 }],
    [IE11, { family: 'IE', major: 11 }],
    [OPERA14, { family: 'Opera', major: 14 }],
    [OPERA12, { family: 'Opera', major: 12 }],
    [OPERA_MINI7, { family: 'Opera Mini', major: 7 }],
    [ANDROID3, { family: 'Android', major: 3 }],
    [ANDROID4_CHROME, { family: 'Chrome', major: 18 }],
    [SAFARI5, { family: 'Safari', major: 5 }],
    [SAFARI7, { family: 'Safari', major: 7 }],
    [EDGE12, { family: 'Edge', major: 12 }],
    [CHROME120, { family: 'Chrome', major: 120 }],
    [FIREFOX50, { family: 'Firefox', major: 50 }],
  ])('parses %s', (agent, expected) => {
    expect(parseBrowser(agent)).toEqual(expected);
  });

  it.each<[string, string[], boolean]>([
    [IE9, ['default'], true],
    [IE10, ['default'], false],
    [SAFARI5, ['default'], true],
    [SAFARI7, ['default'], false],
    [OPERA12, ['default'], true],
    [OPERA_MINI7, ['opera_mini_pre_8'], true],
    [ANDROID3, ['android_pre_4'], true],
    [ANDROID4_CHROME, ['android_pre_4'], false],
    [IE10, ['ie10'], true],
    [IE11, ['ie10'], false],
    [IE11, ['ie11'], true],
    [IE8, ['opera_pre_15', 'ie_pre_9'], true],
    [IE11, ['ie'], true],
    [EDGE12, ['edge'], true],
    [FIREFOX50, ['firefox'], true],
    [CHROME120, ['chrome', 'firefox', 'safari', 'ie', 'edge', 'opera', 'android', 'opera_mini'], false],
    ['some agent', ['default'], false],
  ])('%s with %j → %s', (agent, subfilters, filtered) => {
    const s = parseFilterSettings({ legacyBrowsers: subfilters });
    expect(shouldFilter(ua(agent), s)).toBe(filtered ? 'legacy-browsers' : null);
  });
});

describe('error-message, release-version, environment', () => {
  it.each<[FilterableEvent, Partial<InboundFilterSettings>, string | null]>([
    [
      exc('FilteredException', 'This is a filtered exception.'),
      { errorMessages: ['filteredexception*'] },
      'error-message',
    ],
    [exc('UnfilteredException', 'This is an unfiltered exception.'), { errorMessages: ['filteredexception*'] }, null],
    [
      { logentry: { formatted: 'ChunkLoadError: Loading chunk 552 failed.' } },
      { errorMessages: ['ChunkLoadError: Loading chunk *'] },
      'error-message',
    ],
    [{ logentry: { message: 'raw message %s' } }, { errorMessages: ['raw message*'] }, 'error-message'],
    [exc(undefined, 'only a value'), { errorMessages: ['only a value'] }, 'error-message'],
    [{ release: 'web@1.0.3' }, { releases: ['web@1.0.*'] }, 'release-version'],
    [{ release: 'web@1.1.0' }, { releases: ['web@1.0.*'] }, null],
    [{ environment: 'development' }, { environments: ['dev*'] }, 'environment'],
    [{ environment: 'production' }, { environments: ['dev*'] }, null],
    [{}, { releases: ['*'], environments: ['*'] }, null],
  ])('%j with %j → %s', (event, settings, reason) => {
    expect(shouldFilter(event, on(settings))).toBe(reason);
  });

  it('composes in order: the first matching filter names the reason', () => {
    const event: FilterableEvent = { user: { ip_address: '127.0.0.1' }, release: '1.0', environment: 'dev' };
    expect(shouldFilter(event, on({ localhost: true, releases: ['*'], environments: ['*'] }))).toBe('localhost');
    expect(shouldFilter(event, on({ releases: ['*'], environments: ['*'] }))).toBe('release-version');
  });

  it('reads stored settings leniently', () => {
    expect(parseFilterSettings(null)).toEqual(NO_FILTERS);
    expect(
      parseFilterSettings({ localhost: 'yes', legacyBrowsers: ['ie', 'netscape'], releases: ['', 3, 'x'] }),
    ).toEqual({ ...NO_FILTERS, legacyBrowsers: ['ie'], releases: ['x'] });
  });
});
