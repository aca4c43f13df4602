// Issue 12: every GET route of the API, called by an owner with arbitrary query parameters
// (the names routes read and random ones; values from hostile strings: huge numbers, NUL,
// `__proto__`, malformed cursors and periods), answers below 500. Fixed seed (FUZZ_SEED to vary).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createApiRouter } from '../../../server/src/api/router.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createEvent, createIssue, createMember, type Member } from '../../helpers/api-factories.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 300);
const seed = Number(process.env.FUZZ_SEED ?? 20261207);
/** Not a speed target: a long `npm run fuzz` (20 000 requests) on a loaded machine needs its time. */
const fuzzTimeout = Math.max(300_000, numRuns * 100);
/** Live streams never end on their own. */
const SKIP = /stream|live/;

const PARAM_NAMES = [
  'query',
  'sort',
  'cursor',
  'limit',
  'per_page',
  'statsPeriod',
  'start',
  'end',
  'environment',
  'project',
  'id',
  'full',
  'stat',
  'resolution',
  'since',
  'until',
  'interval',
  'field',
  'category',
  'groupBy',
  'status',
  'shortIdLookup',
  'key',
  'summarize',
  'detailed',
  'health',
  'expand',
  'collapse',
  'utc',
  'outcome',
  'reason',
  '__proto__',
  'constructor',
];
const VALUES = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1e400',
    'NaN',
    '99999999999999999999',
    '9223372036854775808',
    '-9223372036854775809',
    '__proto__',
    'constructor',
    'toString',
    'a\u0000b',
    '999999w',
    '0s',
    '1:1:0',
    '12345678901234567890:1:0',
    '1:abc:1',
    '24h',
    '14d',
    '2026-13-45',
    '2026-01-01T00:00:00Z',
    '[a, b',
    'is:unresolved',
    '!has:x',
    'k:"v',
    'level:[' + 'x,'.repeat(200) + ']',
    'x:'.repeat(40),
    '\ud800',
    '%',
    '*',
    '"',
    "'",
    'true',
    '{}',
    '[]',
  ),
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
  fc.double().map(String),
);
/** Raw query-string text, sent as is: malformed escapes, bare names, repeated separators. */
const RAW = fc.constantFrom(
  'cursor=%E0%A4%A',
  'query=%',
  'sort',
  '&&&',
  'statsPeriod=%FF%FE',
  'query=%00',
  'limit=%2B1',
);
const QUERY = fc.array(
  fc.oneof(
    fc.tuple(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ minLength: 1, maxLength: 12 })), VALUES),
    RAW.map((r) => ['raw', r] as [string, string]),
  ),
  { maxLength: 6 },
);

/** Percent-encodes the UTF-8 bytes (a lone surrogate becomes U+FFFD, as a browser sends it). */
function enc(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

describe('fuzz: API GET routes with arbitrary query parameters never answer 5xx', () => {
  let s: TestServer;
  let owner: Member;
  let routes: string[];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    s = await startTestServer({ ROLE: 'api' });
    const api = createApiRouter(s.deps);
    routes = api.router.stack
      .filter((l) => l.methods.includes('GET'))
      .map((l) => String(l.path))
      .filter((p) => !SKIP.test(p));
    await api.close();
    owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
    const issue = await createIssue(s.pool, {
      projectId: s.project.projectId,
      title: 'Error: fuzz',
      tags: { browser: { Chrome: 1 } },
    });
    const eventId = await createEvent(s.pool, {
      projectId: s.project.projectId,
      issueId: issue.id,
      payload: { message: 'fuzz', level: 'error' },
    });
    Object.assign(ids, {
      org: s.project.orgSlug,
      project: s.project.slug,
      issueId: issue.id,
      eventId,
      key: 'browser',
      keyId: s.project.keyId,
      userId: owner.userId,
      version: 'web@1.0.0',
      token: randomBytes(16).toString('hex'),
    });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('covers the GET routes', () => {
    expect(routes.length).toBeGreaterThan(40);
  });

  it(
    'answers every route and parameter mix below 500',
    async () => {
      const failures: string[] = [];
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: 10_000 }), QUERY, async (n, params) => {
          const route = routes[n % routes.length]!;
          const path = route.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(ids[name] ?? '1'));
          const qs = params.map(([k, v]) => (k === 'raw' ? v : `${enc(k)}=${enc(v)}`)).join('&');
          const res = await fetch(`${s.url}${path}?${qs}`, {
            headers: { authorization: `Bearer ${owner.token}` },
            signal: AbortSignal.timeout(10_000),
          });
          const body = await res.text();
          if (res.status >= 500) failures.push(`GET ${path}?${qs} → ${res.status} ${body.slice(0, 200)}`);
          return res.status < 500;
        }),
        { numRuns, seed },
      );
      expect(failures).toEqual([]);
    },
    fuzzTimeout,
  );
});
