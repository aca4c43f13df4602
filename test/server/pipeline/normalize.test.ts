import { describe, expect, it } from 'vitest';
import {
  InvalidEventError,
  isDatedByReceipt,
  normalizeEvent,
  parseEventJson,
} from '../../../server/src/pipeline/normalize.js';
import {
  clampTimestamp,
  formatParams,
  normalizeTags,
  parseTimestamp,
} from '../../../server/src/shared/normalize-values.js';

const RECEIVED_MS = Date.UTC(2026, 10, 26, 2, 0, 0); // 2026-11-26T02:00:00Z
const RECEIVED = RECEIVED_MS / 1000;
const EVENT_ID = '0123456789abcdef0123456789abcdef';
const norm = (raw: Record<string, unknown>, clientIp?: string) =>
  normalizeEvent(raw, { eventId: EVENT_ID, receivedAt: RECEIVED_MS, clientIp });

describe('normalizeEvent', () => {
  it('rejects payloads that are not objects', () => {
    for (const raw of [null, 'x', 42, [1, 2]])
      expect(() => normalizeEvent(raw, { eventId: EVENT_ID, receivedAt: RECEIVED_MS })).toThrow(InvalidEventError);
  });

  it('knows which events it dated by their receipt, not by comparing the times', () => {
    const dated = (timestamp: unknown) =>
      isDatedByReceipt(normalizeEvent({ timestamp }, { eventId: EVENT_ID, receivedAt: RECEIVED_MS }));
    expect(dated(undefined)).toBe(true);
    expect(dated('yesterday')).toBe(true);
    expect(dated(RECEIVED + 3600)).toBe(true); // ahead of the receipt: clamped
    expect(dated(RECEIVED - 40 * 86400)).toBe(true); // past the 30 days: clamped
    expect(dated(RECEIVED)).toBe(false); // the SDK's own time, equal to the receipt to the millisecond
    expect(dated(RECEIVED - 10)).toBe(false);
  });

  it.each([
    ['float seconds', RECEIVED - 10.5, RECEIVED - 10.5],
    ['integer seconds', RECEIVED - 10, RECEIVED - 10],
    ['ISO with Z', '2026-11-26T01:59:50Z', RECEIVED - 10],
    ['ISO without timezone is UTC', '2026-11-26T01:59:50', RECEIVED - 10],
    ['ISO with microseconds (Python)', '2026-11-26T01:59:19.276299Z', RECEIVED - 40.723701],
    ['ISO with offset', '2026-11-26T03:59:50+02:00', RECEIVED - 10],
    ['missing → received', undefined, RECEIVED],
    ['garbage → received', 'yesterday', RECEIVED],
    ['61 s in the future → received', RECEIVED + 61, RECEIVED],
    ['59 s in the future is kept', RECEIVED + 59, RECEIVED + 59],
    ['31 days old → received', RECEIVED - 31 * 86400, RECEIVED],
    ['29 days old is kept', RECEIVED - 29 * 86400, RECEIVED - 29 * 86400],
  ])('timestamp: %s', (_name, timestamp, expected) => {
    expect(norm({ timestamp }).timestamp).toBeCloseTo(expected, 5);
  });

  it.each([
    ['fatal', 'fatal'],
    ['critical', 'fatal'],
    ['error', 'error'],
    ['warning', 'warning'],
    ['WARN', 'warning'],
    ['info', 'info'],
    ['log', 'info'],
    ['debug', 'debug'],
    [50, 'fatal'],
    [40, 'error'],
    [30, 'warning'],
    [20, 'info'],
    [10, 'debug'],
    [undefined, 'error'],
    ['nonsense', 'error'],
  ])('level %s → %s', (level, expected) => {
    expect(norm({ level }).level).toBe(expected);
  });

  it.each([
    ['node', 'node'],
    ['javascript', 'javascript'],
    ['python', 'python'],
    ['cobol', 'other'],
    [undefined, 'other'],
  ])('platform %s → %s', (platform, expected) => {
    expect(norm({ platform }).platform).toBe(expected);
  });

  it.each([
    [
      'object',
      { a: '1', b: 'two' },
      [
        ['a', '1'],
        ['b', 'two'],
      ],
    ],
    [
      'pairs',
      [
        ['a', '1'],
        ['b', 'two'],
      ],
      [
        ['a', '1'],
        ['b', 'two'],
      ],
    ],
    [
      'non-string values',
      { t: true, f: false, n: 3, z: null },
      [
        ['t', 'True'],
        ['f', 'False'],
        ['n', '3'],
        ['z', ''],
      ],
    ],
    ['spaces in keys become dashes', { 'my key': 'v' }, [['my-key', 'v']]],
    ['invalid keys and values dropped', { 'bad/key': 'v', long: 'x'.repeat(201), nl: 'a\nb', ok: 'v' }, [['ok', 'v']]],
    [
      'first key wins',
      [
        ['a', '1'],
        ['a', '2'],
      ],
      [['a', '1']],
    ],
    ['malformed pairs skipped', [['a'], 'b', ['c', 'd']], [['c', 'd']]],
  ])('tags as %s', (_name, tags, expected) => {
    expect(norm({ tags }).tags).toEqual(expected);
  });

  it.each([
    ['message string → formatted', { message: 'hello' }, { formatted: 'hello' }],
    [
      'message object → logentry',
      { message: { message: 'a %s', params: ['b'] } },
      { message: 'a %s', formatted: 'a b', params: ['b'] },
    ],
    ['message false ignored', { message: false }, undefined],
    ['logentry with formatted', { logentry: { formatted: 'x', message: 'y' } }, { formatted: 'x', message: 'y' }],
    [
      'logentry with python params',
      { logentry: { message: 'Invoice %s for %d', params: ['a', 7.9] } },
      { message: 'Invoice %s for %d', params: ['a', 7.9], formatted: 'Invoice a for 7' },
    ],
    ['logentry wins over message', { logentry: { formatted: 'x' }, message: 'y' }, { formatted: 'x' }],
    ['legacy interface name', { 'sentry.interfaces.Message': { message: 'm' } }, { formatted: 'm' }],
  ])('%s', (_name, raw, expected) => {
    const e = norm(raw);
    expect(e.logentry).toEqual(expected);
    expect(e.message).toBeUndefined();
  });

  it.each([
    ['{values}', { values: [{ type: 'E', value: 'v' }] }],
    ['a bare array', [{ type: 'E', value: 'v' }]],
    ['a single object', { type: 'E', value: 'v' }],
  ])('exception as %s', (_name, exception) => {
    const e = norm({ exception });
    expect(e.exception).toEqual({ values: [{ type: 'E', value: 'v' }] });
    expect(e.type).toBe('error');
  });

  it('splits "Type: value" when the exception has no type, and defaults the mechanism type', () => {
    const e = norm({ exception: [{ value: 'TypeError: x is undefined', mechanism: { handled: false } }] });
    expect(e.exception!.values[0]).toMatchObject({
      type: 'TypeError',
      value: 'x is undefined',
      mechanism: { type: 'generic', handled: false },
    });
  });

  it('normalizes frames and drops empty exceptions', () => {
    const e = norm({
      exception: {
        values: [
          {},
          { type: 'E', stacktrace: { frames: [{ function: 'f', lineno: '12', colno: 'x', in_app: 'yes' }, 'junk'] } },
        ],
      },
    });
    expect(e.exception!.values).toHaveLength(1);
    expect(e.exception!.values[0]!.stacktrace!.frames).toEqual([{ function: 'f', lineno: 12 }]);
  });

  it.each([
    ['a bare array (JS)', [{ message: 'a', timestamp: '2026-11-26T01:59:50Z', level: 'warn' }]],
    ['{values} (Python)', { values: [{ message: 'a', timestamp: RECEIVED - 10, level: 'warning' }] }],
  ])('breadcrumbs as %s', (_name, breadcrumbs) => {
    expect(norm({ breadcrumbs }).breadcrumbs).toEqual({
      values: [{ message: 'a', timestamp: RECEIVED - 10, level: 'warning' }],
    });
  });

  it.each([
    ['{values}', { values: [{ id: 1, crashed: true }] }],
    ['a bare array', [{ id: 1, crashed: true }]],
  ])('threads as %s', (_name, threads) => {
    expect(norm({ threads }).threads).toEqual({ values: [{ id: 1, crashed: true }] });
  });

  it.each([
    ['{{auto}} → client ip', { ip_address: '{{auto}}', id: 7 }, '203.0.113.9', { ip_address: '203.0.113.9', id: '7' }],
    ['{{auto}} without a client ip is removed', { ip_address: '{{auto}}', id: '7' }, undefined, { id: '7' }],
    ['explicit ip kept', { ip_address: '10.0.0.1' }, '203.0.113.9', { ip_address: '10.0.0.1' }],
  ])('user: %s', (_name, user, clientIp, expected) => {
    expect(norm({ user }, clientIp).user).toEqual(expected);
  });

  it.each([
    ['infer_ip auto fills a missing ip', { settings: { infer_ip: 'auto' } }, 'python', { ip_address: '203.0.113.9' }],
    ['infer_ip never keeps it empty', { settings: { infer_ip: 'never' } }, 'javascript', undefined],
    ['legacy javascript infers', {}, 'javascript', { ip_address: '203.0.113.9' }],
    ['legacy node does not', {}, 'node', undefined],
  ])('user ip: %s', (_name, sdk, platform, expected) => {
    expect(norm({ sdk, platform }, '203.0.113.9').user).toEqual(expected);
  });

  it.each([
    [
      'objects and strings',
      {
        url: 'https://shop.example/cart?x=1#top',
        method: 'post',
        headers: { Host: 'shop.example', Cookie: 'a=1; b=2' },
      },
      {
        url: 'https://shop.example/cart',
        method: 'POST',
        query_string: [['x', '1']],
        fragment: 'top',
        headers: [['Host', 'shop.example']],
        cookies: [
          ['a', '1'],
          ['b', '2'],
        ],
      },
    ],
    [
      'pairs',
      { url: 'https://a/', headers: [['Host', 'a']], cookies: [['c', 'd']], query_string: [['q', 'r']] },
      { url: 'https://a/', headers: [['Host', 'a']], cookies: [['c', 'd']], query_string: [['q', 'r']] },
    ],
    [
      'query and cookies as strings, query object',
      { cookies: 'k=v', query_string: '?a=1&b=2' },
      {
        cookies: [['k', 'v']],
        query_string: [
          ['a', '1'],
          ['b', '2'],
        ],
      },
    ],
    ['query object', { query_string: { a: 1 } }, { query_string: [['a', '1']] }],
  ])('request: %s', (_name, request, expected) => {
    expect(norm({ request }).request).toEqual(expected);
  });

  it('keeps release/environment only when valid, and unknown fields as they are', () => {
    const e = norm({
      release: ' shop@1.4.2 ',
      environment: 'production',
      dist: 'x/y',
      custom_field: { a: 1 },
      culprit: 'nope',
    });
    expect(e).toMatchObject({ release: 'shop@1.4.2', environment: 'production', custom_field: { a: 1 } });
    expect(e.dist).toBeUndefined();
    expect(e.culprit).toBeUndefined();
    expect(norm({ release: 'latest', environment: 'has space' })).not.toHaveProperty('release');
    expect(norm({ environment: 'has space' })).not.toHaveProperty('environment');
  });

  it('coerces fingerprints and sets the event id, received time and type', () => {
    const e = norm({ fingerprint: ['{{ default }}', 3, true, { x: 1 }], event_id: 'ignored' });
    expect(e.fingerprint).toEqual(['{{ default }}', '3', 'True']);
    expect(e).toMatchObject({ event_id: EVENT_ID, received: RECEIVED, type: 'default' });
  });
});

describe('helpers', () => {
  it('clampTimestamp keeps in-window times', () => {
    expect(clampTimestamp(RECEIVED - 5, RECEIVED)).toBe(RECEIVED - 5);
  });
  it('parseTimestamp rejects negative numbers', () => {
    expect(parseTimestamp(-1)).toBeUndefined();
  });
  it('formatParams handles named params and %%', () => {
    expect(formatParams('%(who)s paid 100%%', { who: 'ann' })).toBe('ann paid 100%');
  });
  it('parseEventJson replaces characters Postgres cannot store', () => {
    expect(parseEventJson('{"a\\u0000":["x\\u0000y","\\ud800","\\ud83d\\ude00"]}')).toEqual({
      'a\ufffd': ['x\ufffdy', '\ufffd', '\u{1F600}'],
    });
    expect(() => parseEventJson('{')).toThrow(SyntaxError);
  });
  it('normalizeTags ignores non-containers', () => {
    expect(normalizeTags('a:b')).toEqual([]);
  });
});
