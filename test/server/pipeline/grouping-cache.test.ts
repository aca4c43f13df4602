// The grouping cache never changes a result: the same events grouped with and without it give
// the same hashes, variants and titles (a property over events built from small pools, so that
// events which share a key but differ elsewhere are common), Sentry's fixtures agree through it,
// and a project's rules changing is a different key.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeGrouping, type GroupingOptions } from '../../../server/src/grouping/index.js';
import { createGroupingCache, groupingKeyInput } from '../../../server/src/pipeline/grouping-cache.js';
import type { NormalizedEvent } from '../../../server/src/shared/protocol/event.js';
import { loadSentryFixtures, makeEvent } from '../../helpers/grouping-fixtures.js';

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const numRuns = Number(process.env.FUZZ_RUNS ?? 300);

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const frame = fc.record({
  filename: maybe(
    pick('app.js', 'node_modules/lib/index.js', 'views.py', '<anonymous>', 'https://cdn.example.com/app.min.js'),
  ),
  abs_path: maybe(
    pick(
      '/srv/app/app.js',
      'webpack:///src/app.js',
      '/usr/lib/python3/site-packages/x.py',
      'https://unpkg.com/x@1/index.js',
    ),
  ),
  function: maybe(
    pick('handle', 'main', 'runMicrotasks', '<module>', 'spawn_main', 'Object.<anonymous>', 'reportError'),
  ),
  module: maybe(pick('app', '@babel/runtime', 'core-js/modules', 'django.core')),
  package: maybe(pick('/usr/lib/libc.so', 'app')),
  in_app: maybe(fc.boolean()),
  lineno: maybe(pick(1, 2, 10)),
  colno: maybe(pick(1, 5)),
  context_line: maybe(pick('throw err', 'spawn_main(tracker_fd=5, pipe_handle=7)', 'x()')),
  vars: maybe(fc.dictionary(pick('a', 'b'), fc.string({ maxLength: 3 }))),
  pre_context: maybe(fc.array(pick('line 1', 'line 2'), { maxLength: 2 })),
  data: maybe(pick({ sourcemap: 'x.map' }, { category: 'internals' })),
});

const stacktrace = fc.record({ frames: fc.array(frame, { maxLength: 4 }) });
const exception = fc.record({
  type: maybe(pick('TypeError', 'ChunkLoadError', 'ValueError', 'Error')),
  value: maybe(
    pick(
      'boom',
      'ChunkLoadError: chunk 7 failed',
      'Text content does not match server-rendered HTML.',
      'id 42 not found',
      'id 43 not found',
    ),
  ),
  mechanism: maybe(pick({ type: 'generic', handled: true }, { type: 'onerror', synthetic: true })),
  stacktrace: maybe(stacktrace),
});

const event = fc
  .record({
    platform: pick('javascript', 'node', 'python', 'java', 'other'),
    exception: maybe(fc.record({ values: fc.array(exception, { minLength: 1, maxLength: 2 }) })),
    stacktrace: maybe(stacktrace),
    threads: maybe(
      fc.record({
        values: fc.array(
          fc.record(
            { crashed: maybe(fc.boolean()), current: maybe(fc.boolean()), stacktrace: maybe(stacktrace) },
            { requiredKeys: [] },
          ),
          { maxLength: 2 },
        ),
      }),
    ),
    logentry: maybe(
      fc.record(
        {
          formatted: maybe(pick('User 1 failed', 'User 2 failed', 'Hydration failed')),
          message: maybe(pick('User %s failed')),
        },
        { requiredKeys: [] },
      ),
    ),
    fingerprint: maybe(
      pick(
        ['{{ default }}'],
        ['{{ default }}', 'extra'],
        ['custom'],
        ['{{ tags.server }}'],
        ['{{ transaction }}'],
        ['{{ error.value }}', '{{ level }}'],
        ['{{ default }}', '{{ release }}'],
      ),
    ),
    tags: fc.dictionary(pick('server', 'transaction', 'region'), pick('a', 'b')),
    transaction: maybe(pick('/home', '/cart')),
    level: pick('error', 'warning', 'fatal'),
    logger: maybe(pick('root', 'app')),
    release: maybe(pick('1.0', '2.0')),
    environment: maybe(pick('prod', 'dev')),
    server_name: maybe(pick('web-1', 'web-2')),
    dist: maybe(pick('d1')),
    sdk: maybe(
      fc.record({ name: pick('sentry.python', 'sentry.javascript.browser'), version: pick('2.1.0', '3.0.0') }),
    ),
    template: maybe(fc.record({ filename: pick('a.html'), context_line: pick('{{ x }}', '{{ y }}') })),
  })
  .map((partial) => makeEvent(partial as Record<string, unknown>));

const ENHANCEMENTS = [
  '',
  'function:handle -group',
  'error.value:"id*" -app',
  'family:javascript path:**/app.js +app',
  'function:main ^-group',
];
const options: fc.Arbitrary<GroupingOptions> = fc.option(
  fc.record(
    {
      config: maybe(pick('newstyle:2026-01-20' as const, 'newstyle:2023-01-11' as const)),
      enhancements: maybe(pick(...ENHANCEMENTS)),
      fingerprintRules: maybe(
        pick(
          '',
          'type:TypeError -> type-error',
          'tags.server:a -> by-server title="Server {{ tags.server }}"',
          'message:"User*" -> users, {{ level }}',
          'release:2.0 -> two',
        ),
      ),
    },
    { requiredKeys: [] },
  ),
  { nil: {}, freq: 2 },
);

/** A twin of an event that differs in one field: the cache must tell them apart where grouping does. */
const perturbation: fc.Arbitrary<(e: NormalizedEvent) => void> = fc.oneof(
  pick('a', 'b', 'c').map((v) => (e: NormalizedEvent) => {
    e.tags = [
      ['server', v],
      ['transaction', `/${v}`],
    ];
  }),
  pick('/home', '/cart', undefined).map((v) => (e: NormalizedEvent) => {
    e.transaction = v;
  }),
  pick('1.0', '2.0', '3.0').map((v) => (e: NormalizedEvent) => {
    e.release = v;
  }),
  pick('error', 'warning', 'fatal').map((v) => (e: NormalizedEvent) => {
    e.level = v as NormalizedEvent['level'];
  }),
  pick('root', 'app', undefined).map((v) => (e: NormalizedEvent) => {
    e.logger = v;
  }),
  pick('prod', 'dev').map((v) => (e: NormalizedEvent) => {
    e.environment = v;
  }),
  pick('web-1', 'web-3').map((v) => (e: NormalizedEvent) => {
    e.server_name = v;
  }),
  pick('2.1.0', '3.0.0').map((v) => (e: NormalizedEvent) => {
    e.sdk = { name: 'sentry.python', version: v };
  }),
  pick('boom', 'ChunkLoadError: x', 'id 44 not found', 'Text content does not match server-rendered HTML.').map(
    (v) => (e: NormalizedEvent) => {
      const x = e.exception?.values[0];
      if (x) x.value = v;
    },
  ),
  pick('TypeError', 'KeyError').map((v) => (e: NormalizedEvent) => {
    const x = e.exception?.values[0];
    if (x) x.type = v;
  }),
  pick(1, 7, 99).map((v) => (e: NormalizedEvent) => {
    const f = e.exception?.values[0]?.stacktrace?.frames[0];
    if (f) {
      f.lineno = v;
      f.vars = { v };
      f.pre_context = [`${v}`];
    }
  }),
  fc.boolean().map((v) => (e: NormalizedEvent) => {
    const f = e.exception?.values[0]?.stacktrace?.frames.at(-1);
    if (f) f.in_app = v;
  }),
  pick('User 3 failed', 'Hydration failed', 'other').map((v) => (e: NormalizedEvent) => {
    e.logentry = { formatted: v };
  }),
  pick(['{{ default }}'], ['{{ tags.server }}'], ['{{ error.value }}'], undefined).map((v) => (e: NormalizedEvent) => {
    e.fingerprint = v;
  }),
  pick('javascript', 'node', 'python').map((v) => (e: NormalizedEvent) => {
    e.platform = v;
  }),
  pick('{{ x }}', '{{ z }}').map((v) => (e: NormalizedEvent) => {
    e.template = { filename: 'a.html', context_line: v };
  }),
  fc.constant((e: NormalizedEvent) => {
    const frames = e.exception?.values[0]?.stacktrace?.frames;
    if (frames?.[0]) frames.push({ ...frames[0], lineno: 1 }, { ...frames[0], lineno: 2 });
  }),
);

describe('grouping cache', () => {
  it('gives the same hashes, variants and title as grouping without it (property)', () => {
    // A few events, then twins of them: one or two fields changed, mostly under the same options.
    const twin = fc.tuple(
      fc.nat(),
      fc.array(perturbation, { minLength: 1, maxLength: 2 }),
      fc.option(fc.nat(), { freq: 2 }),
      fc.option(pick(...ENHANCEMENTS), { freq: 3 }),
    );
    const inputs = fc
      .tuple(fc.array(fc.tuple(event, options), { minLength: 1, maxLength: 6 }), fc.array(twin, { maxLength: 24 }))
      .map(([bases, twins]) => [
        ...bases,
        ...twins.map(([i, changes, o, enhancements]) => {
          const [base, opts] = bases[i % bases.length]!;
          const e = structuredClone(base);
          for (const change of changes) change(e);
          const twinOpts = o === null ? opts : bases[o % bases.length]![1];
          return [e, enhancements === null ? twinOpts : { ...twinOpts, enhancements }] as const;
        }),
      ]);
    fc.assert(
      fc.property(inputs, (inputs) => {
        const cache = createGroupingCache(64);
        // Twice over: the second pass is mostly hits, on events whose twins may differ elsewhere.
        for (const [e, opts] of [...inputs, ...inputs]) {
          const expected = computeGrouping(structuredClone(e), opts);
          expect(cache.get(e, opts, () => computeGrouping(e, opts))).toEqual(expected);
        }
        expect(cache.stats().hits).toBeGreaterThanOrEqual(inputs.length);
      }),
      { numRuns, seed },
    );
  }, 180_000);

  it('agrees with Sentry fixtures, cold and warm', () => {
    const fixtures = loadSentryFixtures();
    const cache = createGroupingCache();
    for (const round of [1, 2]) {
      for (const f of fixtures) {
        const got = cache.get(f.event, f.options, () => computeGrouping(f.event, f.options));
        expect(got.hashes.slice().sort(), `${f.name} (round ${round})`).toEqual(f.expected.hashes.slice().sort());
        expect(got).toEqual(computeGrouping(f.event, f.options));
      }
    }
    expect(cache.stats()).toMatchObject({ hits: fixtures.length });
  });

  it('keys on the project rules: a changed rule is a miss, the same rule a hit', () => {
    const cache = createGroupingCache();
    const e = makeEvent({
      platform: 'python',
      exception: {
        values: [{ type: 'TypeError', value: 'x', stacktrace: { frames: [{ function: 'f', filename: 'a.py' }] } }],
      },
    });
    const group = (opts: GroupingOptions) => cache.get(e, opts, () => computeGrouping(e, opts));
    const before = group({ fingerprintRules: '' });
    const after = group({ fingerprintRules: 'type:TypeError -> type-error' });
    expect(after.hashes).not.toEqual(before.hashes);
    expect(group({ fingerprintRules: 'type:TypeError -> type-error' })).toBe(after);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2 });
  });

  it('leaves out what grouping of a stack trace does not read, and keeps what rules and fingerprints may read', () => {
    const withStack = (v: string, extra: Record<string, unknown> = {}): NormalizedEvent =>
      makeEvent({
        platform: 'python',
        tags: { user: v },
        release: v,
        transaction: v,
        exception: {
          values: [
            { type: 'E', value: 'x', stacktrace: { frames: [{ function: 'f', vars: { v }, pre_context: [v] }] } },
          ],
        },
        ...extra,
      });
    const key = (v: string, extra?: Record<string, unknown>, opts?: GroupingOptions) =>
      groupingKeyInput(withStack(v, extra), opts);
    expect(key('a')).toBe(key('b'));
    expect(key('a', {}, { fingerprintRules: 'release:a -> r' })).not.toBe(
      key('b', {}, { fingerprintRules: 'release:a -> r' }),
    );
    expect(key('a', { fingerprint: ['{{ tags.user }}'] })).not.toBe(key('b', { fingerprint: ['{{ tags.user }}'] }));
    expect(key('a', { platform: 'javascript' })).not.toBe(key('b', { platform: 'javascript' })); // built-in rules read the transaction
  });

  it('is bounded and hands out frozen results', () => {
    const cache = createGroupingCache(10);
    for (let i = 0; i < 50; i++) {
      const e = makeEvent({ platform: 'python', message: `message ${i}` });
      cache.get(e, undefined, () => computeGrouping(e));
    }
    expect(cache.stats()).toMatchObject({ size: 10, misses: 50 });
    const e = makeEvent({ platform: 'python', message: 'message 49' });
    const r = cache.get(e, undefined, () => computeGrouping(e));
    expect(Object.isFrozen(r) && Object.isFrozen(r.hashes) && Object.isFrozen(r.variants[0])).toBe(true);
  });
});
