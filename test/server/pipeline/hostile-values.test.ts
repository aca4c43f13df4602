// Issue 12: event data an attacker shapes. Every per-event stage (parse → normalize → scrub →
// fingerprint → tag) on 1 MB adversarial strings in each field stays linear: its CPU time grows
// about 4× from 256 KB to 1 MB, not 16× as a quadratic scan would, and stays under a generous
// CPU bound. CPU time of this process (one fork per test file), not wall time: a loaded machine
// stretches the wall clock, not the work done. Values of the wrong type (objects with `toString`/`valueOf` keys where strings belong)
// are removed with a `_meta` error instead of failing the event; and fast-check feeds arbitrary
// JSON into every field: the stages never throw and never report a failure to retry.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { prepareEvent } from '../../../server/src/pipeline/process-event.js';
import type { JobOutcome } from '../../../server/src/queue/job-outcome.js';
import type { PreparedEvent } from '../../../server/src/pipeline/prepared.js';
import type { EventJob } from '../../../server/src/shared/queues.js';
import { normalizeMessage, parameterize } from '../../../server/src/grouping/message.js';
import { scrubString } from '../../../server/src/scrub/patterns.js';
import { DEFAULT_SCRUB_RULES } from '../../../server/src/scrub/rules.js';

const MiB = 1 << 20;
const numRuns = Number(process.env.FUZZ_RUNS ?? 300);
const seed = Number(process.env.FUZZ_SEED ?? 20261207);
/** Not a speed target: 20 000 runs of `npm run fuzz` on a loaded machine must not hit the default 30 s. */
const propertyTimeout = Math.max(30_000, numRuns * 50);
/**
 * Safety bound, CPU time, of all stages on one event with a 1 MB field (wall time measured
 * 0.02-1.2 s on a loaded 2-core machine, the slowest: two 1 MB header and query values). The
 * quadratic parameterization of the report would take minutes here.
 */
const CPU_BUDGET_MS = Number(process.env.HOSTILE_CPU_BUDGET_MS ?? 1_500);
/** From 256 KB to 1 MB linear work grows 4×, quadratic 16×: growth above 8× is not linear. */
const MAX_GROWTH = 8;
/** CPU milliseconds of slack for a garbage collection or a cold cache in one measurement. */
const NOISE_MS = 25;

/** fn's result and the CPU time (user + system, all of this process' threads) it took, in milliseconds. */
function cpuTimed<T>(fn: () => T): { value: T; ms: number } {
  const start = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(start);
  return { value, ms: (used.user + used.system) / 1000 };
}
const cpuMs = (fn: () => void) => cpuTimed(fn).ms;

function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/**
 * CPU time of `run` at 256 KB and at 1 MB of `unit`, and whether it is too slow: superlinear
 * growth or over the safety bound. A suspicious measurement is repeated (best of three), so one
 * collection or preemption cannot fail it while a quadratic stage fails every time.
 */
function measureGrowth<T>(
  unit: string,
  prepare: (s: string) => T,
  run: (input: T) => void,
): { small: number; large: number; tooSlow: boolean } {
  const small = prepare(repeatTo(unit, MiB / 4));
  const large = prepare(repeatTo(unit, MiB));
  let a = Infinity;
  let b = Infinity;
  const tooSlow = () => b > MAX_GROWTH * a + NOISE_MS || b > CPU_BUDGET_MS;
  const hopeless = () => b > 4 * CPU_BUDGET_MS; // no machine noise is that large: fail without retrying
  for (let attempt = 0; attempt < 3 && (attempt === 0 || (tooSlow() && !hopeless())); attempt++) {
    a = Math.min(
      a,
      cpuMs(() => run(small)),
    );
    b = Math.min(
      b,
      cpuMs(() => run(large)),
    );
  }
  return { small: a, large: b, tooSlow: tooSlow() };
}
const describeGrowth = (name: string, g: { small: number; large: number }) =>
  `${name}: 256 KB ${g.small.toFixed(0)} ms, 1 MB ${g.large.toFixed(0)} ms CPU`;

function job(event: unknown): EventJob {
  return {
    v: 1,
    kind: 'event',
    projectId: '1',
    eventId: 'ab'.repeat(16),
    receivedAt: Date.now(),
    payload: JSON.stringify(event),
    meta: { keyId: '1', endpoint: 'envelope' },
  };
}
function prepared(out: PreparedEvent | JobOutcome): PreparedEvent {
  if ('kind' in out)
    throw new Error(
      `event not prepared: ${JSON.stringify(out, (_k, v: unknown) => (v instanceof Error ? `${v.message} ${String(v.cause)}` : v))}`,
    );
  return out;
}

/** Strings that make backtracking regexes and naive scans quadratic: long runs of one shape. */
const SHAPES: Record<string, string> = {
  digits: '1',
  letters: 'a',
  'minus-digit': '-1',
  'digit-dot': '1.',
  'at-sign': 'a@',
  'equals-quote': "='",
  'digit-colon': '1:',
  'label-dot': 'a.',
  spaces: ' ',
  'line-breaks': 'a\n',
  printf: '%s',
  'card-digits': '4 ',
  'key-equals': 'a=',
  'json-pair': '"a":"',
  bearer: 'Bearer ',
  'url-password': 'http://a:',
  'blank-tab': ' \t',
  'escaped-quote': '\\"',
  'open-brace': '{{',
  'hex-colon': 'a:',
};
/** Where the string goes: every field a stage reads or scans. */
const FIELDS: Record<string, (s: string) => Record<string, unknown>> = {
  message: (s) => ({ message: s }),
  'logentry.message+params': (s) => ({ logentry: { message: `${s}%s`, params: [s] } }),
  'exception.type/value': (s) => ({ exception: { values: [{ type: s, value: s }] } }),
  'exception.mechanism': (s) => ({
    exception: { values: [{ type: 'E', mechanism: { type: s, meta: { ns_error: { domain: s, code: 1 } } } }] },
  }),
  'frame.abs_path': (s) => ({
    exception: { values: [{ type: 'E', stacktrace: { frames: [{ abs_path: s, function: 'f', lineno: 1 }] } }] },
  }),
  'frame.function/module': (s) => ({
    exception: { values: [{ type: 'E', stacktrace: { frames: [{ filename: 'a.js', function: s, module: s }] } }] },
  }),
  'frame.context_line/vars': (s) => ({
    platform: 'python',
    exception: {
      values: [
        { type: 'E', stacktrace: { frames: [{ filename: 'a.py', function: 'f', context_line: s, vars: { a: s } }] } },
      ],
    },
  }),
  'request.url': (s) => ({ request: { url: s } }),
  'request.headers/query': (s) => ({ request: { headers: { 'User-Agent': s }, query_string: s } }),
  'user.id': (s) => ({ user: { id: s } }),
  tags: (s) => ({ tags: { a: s } }),
  fingerprint: (s) => ({ fingerprint: [s, '{{ default }}'] }),
  'contexts.os.name': (s) => ({ contexts: { os: { name: s } } }),
  'breadcrumbs.message': (s) => ({ breadcrumbs: [{ message: s }] }),
  'release/transaction': (s) => ({ release: s, transaction: s, server_name: s }),
};

describe('hostile event data: every stage is linear on 1 MB adversarial strings', () => {
  for (const [shape, unit] of Object.entries(SHAPES)) {
    it(`${shape}`, () => {
      const slow: string[] = [];
      for (const [field, make] of Object.entries(FIELDS)) {
        const g = measureGrowth(
          unit,
          (s) => job(make(s)),
          (j) => void prepared(prepareEvent(j)),
        );
        if (g.tooSlow) slow.push(describeGrowth(field, g));
      }
      expect(slow).toEqual([]);
    }, 300_000);
  }

  it('parameterize and scrubString bound their own work on 1 MB inputs', () => {
    const slow: string[] = [];
    for (const [shape, unit] of Object.entries(SHAPES)) {
      const message = measureGrowth(
        unit,
        (s) => s,
        (s) => {
          parameterize(s);
          normalizeMessage(s);
        },
      );
      if (message.tooSlow) slow.push(describeGrowth(`${shape} parameterize`, message));
      const scrub = measureGrowth(
        unit,
        (s) => s,
        (s) => void scrubString(s, DEFAULT_SCRUB_RULES),
      );
      if (scrub.tooSlow) slow.push(describeGrowth(`${shape} scrubString`, scrub));
    }
    expect(slow).toEqual([]);
  }, 300_000);

  it('a 64 KB exception value of digits (the report) is grouped in milliseconds, not seconds', () => {
    const j = job({ exception: { values: [{ type: 'Error', value: '7'.repeat(65_536) }] } });
    const { value: p, ms } = cpuTimed(() => prepared(prepareEvent(j)));
    expect(ms).toBeLessThan(500); // CPU time, a safety bound: the report's 64 KB took 8 s
    expect(p.event.exception?.values[0]?.value).toHaveLength(8192); // Relay's max_chars for exception values
  });
});

describe('values of the wrong type are removed with a _meta error, and the event is kept', () => {
  const hostile = { toString: 1, valueOf: 1 };
  it.each<[string, Record<string, unknown>, (p: PreparedEvent) => void]>([
    [
      'request.headers',
      { request: { headers: { 'X-Ok': 'yes', 'X-Evil': hostile, 'X-List': ['a', 1] } } },
      (p) => {
        expect(p.event.request?.headers).toEqual([
          ['X-Ok', 'yes'],
          ['X-List', 'a,1'],
        ]);
        expect(p.event._meta).toEqual({
          request: { headers: { 'X-Evil': { '': { err: [['invalid_data', { reason: 'expected a string' }]] } } } },
        });
      },
    ],
    [
      'request.query_string',
      { request: { query_string: { a: hostile, b: '2' }, url: 'http://x/' } },
      (p) => {
        expect(p.event.request?.query_string).toEqual([['b', '2']]);
        expect(JSON.stringify(p.event._meta)).toContain('query_string');
      },
    ],
    [
      'request.query_string as pairs',
      {
        request: {
          query_string: [
            ['a', [hostile]],
            ['b', 3],
          ],
        },
      },
      (p) => {
        expect(p.event.request?.query_string).toEqual([['b', '3']]);
      },
    ],
    [
      'modules',
      { modules: { ok: '1.0', evil: hostile, num: 2 } },
      (p) => {
        expect(p.event.modules).toEqual({ ok: '1.0', num: '2' });
        expect(p.event._meta).toMatchObject({
          modules: { evil: { '': { err: [['invalid_data', { reason: 'expected a string' }]] } } },
        });
      },
    ],
    [
      'logentry.params',
      { logentry: { message: 'a %s b %d c %(k)s', params: [hostile, hostile] } },
      (p) => {
        expect(p.event.logentry?.formatted).toBe('a {"toString":1,"valueOf":1} b {"toString":1,"valueOf":1} c %(k)s');
      },
    ],
    [
      'logentry.params by name',
      { logentry: { message: 'x %(k)s %(toString)s', params: { k: hostile } } },
      (p) => {
        expect(p.event.logentry?.formatted).toBe('x {"toString":1,"valueOf":1} %(toString)s');
      },
    ],
    [
      'mechanism.meta',
      {
        exception: {
          values: [
            {
              type: 'E',
              value: 'v',
              mechanism: {
                type: 'generic',
                handled: hostile,
                meta: { ns_error: { domain: hostile, code: hostile }, errno: hostile },
              },
            },
          ],
        },
      },
      (p) => {
        const mech = p.event.exception?.values[0]?.mechanism;
        expect(mech?.handled).toBeUndefined();
        expect(mech?.meta).toEqual({ ns_error: {}, errno: hostile }); // an object where one belongs: kept as data
        expect(p.event._meta).toMatchObject({
          exception: { values: { 0: { mechanism: { meta: { ns_error: { domain: {}, code: {} } } } } } },
        });
      },
    ],
    [
      'sdk.version',
      {
        platform: 'python',
        sdk: { name: 'sentry.python', version: hostile },
        exception: {
          values: [
            { type: 'A', mechanism: { exception_id: 0 } },
            { type: 'B', mechanism: { exception_id: 1, parent_id: 0 } },
          ],
        },
      },
      (p) => {
        expect(p.event.sdk).toEqual({ name: 'sentry.python' });
      },
    ],
  ])('%s', (_name, event, check) => {
    check(prepared(prepareEvent(job({ message: 'hostile', ...event }))));
  });
});

describe('fuzz: arbitrary JSON in every field never fails a stage', () => {
  /** JSON values plus the shapes that break naive code: toString/valueOf keys, __proto__, deep lists. */
  const nasty = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.constantFrom(
      { toString: 1, valueOf: 1 },
      { toString: {}, valueOf: [] },
      JSON.parse('{"__proto__":{"x":1}}') as unknown,
      { constructor: 'x' },
      [[[]]],
      '\u0000',
      '\ud800',
      -0,
      1e308,
      '',
    ),
    fc.string({ maxLength: 200 }),
  );
  const FIELD_NAMES = [
    'message',
    'logentry',
    'exception',
    'stacktrace',
    'threads',
    'breadcrumbs',
    'contexts',
    'user',
    'request',
    'tags',
    'release',
    'dist',
    'environment',
    'server_name',
    'transaction',
    'fingerprint',
    'modules',
    'extra',
    'sdk',
    'platform',
    'level',
    'timestamp',
    'logger',
    'template',
    'debug_meta',
    'type',
  ];
  const nested = fc.record(
    {
      exception: fc.record({
        values: fc.array(
          fc.record(
            {
              type: nasty,
              value: nasty,
              module: nasty,
              mechanism: fc.oneof(
                nasty,
                fc.record({
                  type: nasty,
                  handled: nasty,
                  meta: fc.record({ ns_error: fc.record({ domain: nasty, code: nasty }), errno: nasty }),
                  exception_id: nasty,
                  parent_id: nasty,
                }),
              ),
              stacktrace: fc.record({
                frames: fc.array(
                  fc.dictionary(
                    fc.constantFrom(
                      'filename',
                      'abs_path',
                      'function',
                      'module',
                      'lineno',
                      'colno',
                      'in_app',
                      'context_line',
                      'pre_context',
                      'vars',
                      'package',
                    ),
                    nasty,
                  ),
                  { maxLength: 4 },
                ),
              }),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      }),
      request: fc.record(
        { url: nasty, method: nasty, headers: nasty, cookies: nasty, query_string: nasty, env: nasty, data: nasty },
        { requiredKeys: [] },
      ),
      logentry: fc.record(
        {
          message: fc.oneof(nasty, fc.constantFrom('%s %d %r %(a)s %%', '%(toString)s %(__proto__)s')),
          formatted: nasty,
          params: nasty,
        },
        { requiredKeys: [] },
      ),
      user: fc.record({ id: nasty, email: nasty, username: nasty, ip_address: nasty }, { requiredKeys: [] }),
      contexts: fc.dictionary(fc.constantFrom('os', 'browser', 'runtime', 'device', 'trace'), nasty),
    },
    { requiredKeys: [] },
  );
  const anyEvent = fc.oneof(fc.dictionary(fc.constantFrom(...FIELD_NAMES), nasty), nested, nasty);

  it(
    'prepareEvent: prepared, or invalid (not an object) — never failed, never thrown, always quick',
    () => {
      fc.assert(
        fc.property(anyEvent, (event) => {
          const j = job(event);
          const { value: out, ms } = cpuTimed(() => prepareEvent(j));
          expect(ms).toBeLessThan(CPU_BUDGET_MS); // a safety bound, CPU time
          if ('kind' in out) {
            expect(out.kind).toBe('invalid');
            expect(typeof event !== 'object' || event === null || Array.isArray(event)).toBe(true);
          }
        }),
        { numRuns, seed },
      );
    },
    propertyTimeout,
  );
});
