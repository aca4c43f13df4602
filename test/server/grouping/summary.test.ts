// Issue titles, culprits and metadata as Sentry shows them.
import { describe, expect, it } from 'vitest';
import { summarizeEvent } from '../../../server/src/grouping/index.js';
import { generateCulprit } from '../../../server/src/grouping/summary.js';
import { loadSentryFixtures, makeEvent } from '../../helpers/grouping-fixtures.js';

describe('culprit', () => {
  // Sentry stored these culprits for its fixture events (generated from the stack, no transaction).
  const fixtures = loadSentryFixtures().filter((f) =>
    /^(javascript-xbrowser-(?!sentryui)|exception-javascript-no-in-app|node-exception-weird)/.test(f.name),
  );

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: generated like Sentry', (_, f) => {
    const { culprit, ...rest } = f.event as unknown as Record<string, unknown>;
    expect(generateCulprit(makeEvent(rest))).toBe(culprit);
  });

  it('uses module/filename and function: "fn(module)" for JS, "module in fn" otherwise', () => {
    const frames = [
      { function: 'outer', module: 'lib.a', in_app: true },
      { function: 'inner', module: 'lib.b', in_app: false },
    ];
    const ev = (platform: string) =>
      makeEvent({ platform, exception: { values: [{ type: 'E', stacktrace: { frames } }] } });
    expect(summarizeEvent(ev('node')).culprit).toBe('outer(lib.a)'); // last in-app frame, not the last frame
    expect(summarizeEvent(ev('python')).culprit).toBe('lib.a in outer');
  });

  it('prefers an explicit culprit, then the transaction, then the generated one', () => {
    const exception = {
      values: [{ type: 'E', stacktrace: { frames: [{ function: 'f', module: 'm', in_app: true }] } }],
    };
    expect(summarizeEvent(makeEvent({ platform: 'python', exception })).culprit).toBe('m in f');
    expect(summarizeEvent(makeEvent({ platform: 'python', exception, transaction: '/checkout' })).culprit).toBe(
      '/checkout',
    );
    expect(
      summarizeEvent(makeEvent({ platform: 'python', exception, transaction: '/checkout', culprit: 'given' })).culprit,
    ).toBe('given');
  });

  it('falls back to the request URL, and gives synthetic exceptions none', () => {
    expect(
      summarizeEvent(makeEvent({ platform: 'python', message: 'hi', request: { url: 'https://x/y' } })).culprit,
    ).toBe('https://x/y');
    const synthetic = {
      values: [
        {
          value: 'hi',
          mechanism: { synthetic: true },
          stacktrace: { frames: [{ function: 'f', module: 'm', in_app: true }] },
        },
      ],
    };
    expect(summarizeEvent(makeEvent({ platform: 'node', message: 'hi', exception: synthetic })).culprit).toBe('');
  });
});

describe('title', () => {
  it.each([
    [
      { type: 'TypeError', value: "Cannot read properties of undefined (reading 'x')" },
      "TypeError: Cannot read properties of undefined (reading 'x')",
    ],
    [{ type: 'KeyError', value: '' }, 'KeyError'],
    [{ value: 'no type' }, 'Error: no type'],
    [{ type: 'E', value: 'first line\nsecond line' }, 'E: first line'],
    [{ type: 'E', value: 'x'.repeat(150) }, `E: ${'x'.repeat(97)}...`],
  ])('error %j → %s', (exception, title) => {
    expect(summarizeEvent(makeEvent({ platform: 'node', exception: { values: [exception] } })).title).toBe(title);
  });

  it('uses the raised (last) exception of a chain', () => {
    const values = [
      { type: 'TypeError', value: 'inner' },
      { type: 'DbError', value: 'outer' },
    ];
    expect(summarizeEvent(makeEvent({ platform: 'node', exception: { values } }))).toMatchObject({
      title: 'DbError: outer',
      type: 'error',
    });
  });

  it('uses the single distinct child of an exception group, not the group', () => {
    const fixture = loadSentryFixtures().find((f) => f.name === 'exception-groups-one-type-with-similar-values.json')!;
    expect(summarizeEvent(fixture.event).title).toBe('MyApp.Exception: Test 1');
  });

  it('message events: first line of the formatted message, up to 256 characters', () => {
    expect(
      summarizeEvent(
        makeEvent({
          platform: 'python',
          logentry: { message: 'Invoice %s sent', formatted: 'Invoice 7781 sent\nmore' },
        }),
      ),
    ).toMatchObject({
      title: 'Invoice 7781 sent',
      type: 'default',
    });
    expect(summarizeEvent(makeEvent({ platform: 'python', message: 'y'.repeat(300) })).title).toBe(
      `${'y'.repeat(253)}...`,
    );
    expect(summarizeEvent(makeEvent({ platform: 'python' })).title).toBe('<unlabeled event>');
  });

  it('captureMessage with an attached (synthetic) stack is titled by its message, not the frame function', () => {
    const exception = {
      values: [
        {
          value: 'Payment 1999 declined',
          mechanism: { synthetic: true },
          stacktrace: { frames: [{ function: '?', module: 'server', in_app: true }] },
        },
      ],
    };
    const s = summarizeEvent(makeEvent({ platform: 'node', message: 'Payment 1999 declined', exception }));
    expect(s).toMatchObject({
      title: 'Payment 1999 declined',
      type: 'error',
      metadata: { value: 'Payment 1999 declined', function: '?', module: 'server' },
    });
    expect(s.metadata.type).toBeUndefined();
  });

  it('metadata carries the crash location (last in-app frame with a function)', () => {
    const frames = [
      { function: 'handler', module: 'routes', filename: '/srv/routes.js', in_app: true },
      { function: 'query', module: 'pg', filename: '/srv/node_modules/pg/index.js', in_app: false },
    ];
    expect(
      summarizeEvent(
        makeEvent({ platform: 'node', exception: { values: [{ type: 'Error', value: 'x', stacktrace: { frames } }] } }),
      ).metadata,
    ).toEqual({
      type: 'Error',
      value: 'x',
      filename: '/srv/routes.js',
      function: 'handler',
      module: 'routes',
    });
  });
});
