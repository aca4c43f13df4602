import { describe, expect, it } from 'vitest';
import { breadcrumbs, eventMessage, exceptionChain, groupFrames, pairs, processingNotes, toFrame } from './event.js';
import type { ApiEventEntry } from './types.js';

const ev = (entries: ApiEventEntry[]) => ({ entries, message: '' });

describe('exceptionChain', () => {
  it('puts the outermost exception first and the crashing frame first', () => {
    const chain = exceptionChain(
      ev([
        {
          type: 'exception',
          data: {
            values: [
              { type: 'DbError', value: 'timeout', stacktrace: { frames: [{ filename: 'db.js', lineNo: 3 }] } },
              {
                type: 'CheckoutError',
                value: 'failed',
                mechanism: { type: 'onunhandledrejection', handled: false },
                stacktrace: {
                  frames: [
                    { filename: 'a.js', lineNo: 1 },
                    { filename: 'b.js', lineNo: 2, inApp: true },
                  ],
                },
              },
            ],
          },
        },
      ]),
    );
    expect(chain.map((x) => x.type)).toEqual(['CheckoutError', 'DbError']);
    expect(chain[0]!.frames.map((f) => f.filename)).toEqual(['b.js', 'a.js']);
    expect(chain[0]!.handled).toBe(false);
  });
  it('returns nothing for events without an exception', () => {
    expect(exceptionChain(ev([]))).toEqual([]);
  });
});

describe('toFrame', () => {
  it('reads the API context pairs and marks the current line', () => {
    const f = toFrame(
      {
        filename: 'x.js',
        lineNo: 11,
        context: [
          [10, 'a'],
          [11, 'b'],
          [12, 'c'],
        ],
      },
      0,
    );
    expect(f.context).toEqual([
      { lineNo: 10, text: 'a', current: false },
      { lineNo: 11, text: 'b', current: true },
      { lineNo: 12, text: 'c', current: false },
    ]);
  });
  it('reads raw snake_case frames', () => {
    const f = toFrame(
      {
        abs_path: '/app/x.js',
        lineno: 5,
        colno: 2,
        in_app: true,
        pre_context: ['p'],
        context_line: 'c',
        post_context: ['q'],
      },
      1,
    );
    expect([f.filename, f.lineNo, f.colNo, f.inApp]).toEqual(['/app/x.js', 5, 2, true]);
    expect(f.context.map((c) => c.lineNo)).toEqual([4, 5, 6]);
  });
});

describe('groupFrames', () => {
  it('groups consecutive library frames so they can collapse', () => {
    const frames = [true, false, false, true].map((inApp, i) => ({ ...toFrame({ filename: `${i}.js` }, i), inApp }));
    expect(groupFrames(frames).map((g) => [g.inApp, g.frames.length])).toEqual([
      [true, 1],
      [false, 2],
      [true, 1],
    ]);
  });
  it('treats everything as in-app when no frame is', () => {
    const frames = [toFrame({ filename: 'a' }, 0), toFrame({ filename: 'b' }, 1)];
    expect(groupFrames(frames)).toHaveLength(1);
    expect(groupFrames(frames)[0]!.inApp).toBe(true);
  });
});

describe('breadcrumbs and pairs', () => {
  it('reads breadcrumbs with second or ISO timestamps', () => {
    const b = breadcrumbs(
      ev([
        {
          type: 'breadcrumbs',
          data: {
            values: [
              { timestamp: 1764158400.5, category: 'http', message: 'GET /x' },
              { timestamp: '2026-11-26T12:00:01Z', category: 'console', level: 'warning' },
            ],
          },
        },
      ]),
    );
    expect(b.map((x) => [x.timestamp, x.category, x.level])).toEqual([
      [1764158400500, 'http', 'info'],
      [Date.parse('2026-11-26T12:00:01Z'), 'console', 'warning'],
    ]);
  });
  it('reads pair lists and objects', () => {
    expect(
      pairs([
        ['a', 1],
        ['b', '2'],
      ]),
    ).toEqual([
      ['a', 1],
      ['b', '2'],
    ]);
    expect(pairs({ a: 1 })).toEqual([['a', 1]]);
    expect(pairs('x')).toEqual([]);
  });
  it('reads the message entry', () => {
    expect(eventMessage(ev([{ type: 'message', data: { formatted: 'hello 1' } }]))).toBe('hello 1');
  });
});

describe('symbolication notes', () => {
  it('names the sourcemap of a symbolicated frame and why another stayed minified', () => {
    expect(
      toFrame({ data: { sourcemap: 'app.js.map', resolved_with: 'debug-id', symbolicator_status: 'symbolicated' } }, 0)
        .notes,
    ).toEqual(['symbolicated with app.js.map (found by debug-id)']);
    expect(toFrame({ data: { symbolicator_status: 'missing-sourcemap' } }, 0).notes).toEqual([
      'not symbolicated: missing-sourcemap',
    ]);
    expect(toFrame({}, 0).notes).toEqual([]);
  });
  it('lists event processing errors', () => {
    expect(processingNotes({ errors: [{ type: 'missing-sourcemap', url: 'https://x/app.js' }, 'junk'] })).toEqual([
      'missing-sourcemap · https://x/app.js',
    ]);
    expect(processingNotes({})).toEqual([]);
  });
});
