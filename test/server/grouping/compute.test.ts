// computeGrouping beyond Sentry's fixtures: strategy order, frame rules per platform, threads,
// config differences, and purity.
import { describe, expect, it } from 'vitest';
import { computeGrouping, FALLBACK_HASH } from '../../../server/src/grouping/index.js';
import { makeEvent } from '../../helpers/grouping-fixtures.js';

const values = (e: Record<string, unknown>, opts = {}): string[][] =>
  computeGrouping(makeEvent(e), opts).variants.map((v) => v.values);

describe('strategy order', () => {
  it('nothing to group on gives the fallback hash (md5 of "")', () => {
    const r = computeGrouping(makeEvent({ platform: 'node' }));
    expect(r).toEqual({
      hashes: [FALLBACK_HASH],
      basis: 'fallback',
      variants: [expect.objectContaining({ name: 'fallback', values: [] })],
    });
    expect(FALLBACK_HASH).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('an exception without stack trace groups by type and normalized value', () => {
    const r = computeGrouping(
      makeEvent({ platform: 'python', exception: { values: [{ type: 'Timeout', value: 'after 30s on 10.0.0.1' }] } }),
    );
    expect(r).toMatchObject({
      basis: 'exception',
      variants: [{ name: 'app', values: ['Timeout', 'after <duration> on <ip>'] }],
    });
  });

  it('an exception beats the log message; a useless exception lets the message win', () => {
    expect(values({ platform: 'python', message: 'hi 1', exception: { values: [{ type: 'E' }] } })).toEqual([['E']]);
    expect(
      values({ platform: 'python', message: 'hi 1', exception: { values: [{ mechanism: { synthetic: true } }] } }),
    ).toEqual([['hi <int>']]);
  });

  it('log messages group by the template when parameters were sent', () => {
    const a = values({
      platform: 'python',
      logentry: { message: 'Invoice %s sent', params: ['7781'], formatted: 'Invoice 7781 sent' },
    });
    expect(a).toEqual([['Invoice %s sent']]);
    expect(values({ platform: 'python', logentry: { formatted: 'Invoice 7781 sent' } })).toEqual([
      ['Invoice <int> sent'],
    ]);
  });

  it('a stack trace outside an exception, and the crashed thread, group by frames only', () => {
    const st = { frames: [{ function: 'main', module: 'app', in_app: true }] };
    expect(values({ platform: 'python', stacktrace: st })).toEqual([['app', 'main']]);
    const threads = {
      values: [
        { id: 1, stacktrace: { frames: [{ function: 'idle', module: 'x', in_app: true }] } },
        { id: 2, crashed: true, stacktrace: st },
      ],
    };
    expect(computeGrouping(makeEvent({ platform: 'python', threads }))).toMatchObject({
      basis: 'stacktrace',
      variants: [{ values: ['app', 'main'] }],
    });
  });

  it('a synthetic exception type is ignored, its stack trace still counts', () => {
    const exception = {
      values: [
        {
          type: 'Error',
          mechanism: { synthetic: true },
          stacktrace: { frames: [{ function: 'f', module: 'm', in_app: true }] },
        },
      ],
    };
    expect(values({ platform: 'python', exception })).toEqual([['m', 'f']]);
  });
});

describe('frames', () => {
  const jsEvent = (frame: Record<string, unknown>) => ({
    platform: 'javascript',
    exception: { values: [{ type: 'E', stacktrace: { frames: [{ in_app: true, ...frame }] } }] },
  });

  it.each([
    [{ function: 'Foo.prototype.bar', filename: '/src/App.JSX', abs_path: '/src/App.JSX' }, ['E', 'app.jsx', 'bar']],
    [{ function: 'f', module: 'src/app', filename: 'x.js', abs_path: '/x.js' }, ['E', 'src/app', 'f']], // module beats filename
    [{ function: 'f', filename: '/a.js', abs_path: 'https://cdn/a.js' }, ['E', 'f']], // URL filenames never count
    [
      { function: 'f', filename: 'a.js', abs_path: '/a.js', context_line: '  \tconst  x = 1;  ' },
      ['E', 'a.js', 'f', 'const x = 1;'],
    ],
    [
      { function: 'f', filename: 'a.js', abs_path: '/a.js', context_line: `x = '${'y'.repeat(120)}'` },
      ['E', 'a.js', 'f'],
    ], // minified line
    [
      { function: 'f', filename: 'a.js', abs_path: '/a.js', context_line: 'x()', data: { sourcemap: 'a.js.map' } },
      ['E', 'a.js', 'x()'],
    ],
    [{ function: '<anonymous>', filename: 'a.js', abs_path: '/a.js', lineno: 3 }, ['E', 'a.js']],
  ])('%j → %j', (frame, expected) => {
    expect(values(jsEvent(frame))).toEqual([expected]);
  });

  it('collapses direct recursion but keeps non-consecutive repeats', () => {
    const f = (fn: string, lineno = 1) => ({ function: fn, module: 'm', lineno, in_app: true });
    const frames = [f('a'), f('r', 5), f('r', 5), f('r', 5), f('b'), f('r', 5)];
    expect(values({ platform: 'python', exception: { values: [{ type: 'E', stacktrace: { frames } }] } })[0]).toEqual([
      'E',
      'm',
      'a',
      'm',
      'r',
      'm',
      'b',
      'm',
      'r',
    ]);
  });

  it('Python context lines contribute; the multiprocessing spawn_main arguments are parameterized (2026 only)', () => {
    const frames = [
      {
        function: '<module>',
        module: '__main__',
        context_line: 'from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=11, pipe_handle=21)',
      },
    ];
    const event = { platform: 'python', exception: { values: [{ type: 'E', stacktrace: { frames } }] } };
    expect(values(event)[0]!.at(-1)).toBe(
      'from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=<int>, pipe_handle=<int>)',
    );
    expect(values(event, { config: 'newstyle:2023-01-11' })[0]!.at(-2)).toBe(
      'from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=11, pipe_handle=21)',
    );
  });
});

describe('configs and purity', () => {
  it('2026 hashes the exception type before the frames, 2023 after', () => {
    const event = {
      platform: 'python',
      exception: { values: [{ type: 'E', stacktrace: { frames: [{ function: 'f', module: 'm', in_app: true }] } }] },
    };
    expect(values(event)).toEqual([['E', 'm', 'f']]);
    expect(values(event, { config: 'newstyle:2023-01-11' })).toEqual([['m', 'f', 'E']]);
  });

  it('does not modify the event', () => {
    const event = makeEvent({
      platform: 'javascript',
      exception: {
        values: [
          {
            type: 'E',
            stacktrace: {
              frames: [
                { filename: 'http://x/a.js', function: 'f' },
                { function: 'g', module: 'node_modules/x', in_app: true },
              ],
            },
          },
        ],
      },
    });
    const before = structuredClone(event);
    computeGrouping(event, { enhancements: 'function:f +app' });
    expect(event).toEqual(before);
  });

  it('is deterministic: same input, same hashes', () => {
    const event = makeEvent({ platform: 'node', exception: { values: [{ type: 'E', value: 'v 1' }] } });
    expect(computeGrouping(event)).toEqual(computeGrouping(structuredClone(event)));
  });
});
