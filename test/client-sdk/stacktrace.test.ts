import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createContextLines,
  isInApp,
  moduleFromFilename,
  parseStackFrames,
  type StackFrame,
} from '../../client-sdk/src/index.js';
import { readSourceFile } from '../../client-sdk/src/runtime.js';

const NODE_STACK = [
  'TypeError: boom',
  '    at query (file:///srv/shop/lib/db.js:7:16)',
  '    at async loadOrder (/srv/shop/lib/checkout.js:4:16)',
  '    at Layer.handle (/srv/shop/node_modules/express/lib/router/layer.js:95:5)',
  '    at /srv/shop/server.js:8:7',
  '    at new Promise (<anonymous>)',
  '    at process.processTimers (node:internal/timers:519:7)',
].join('\n');

describe('parseStackFrames', () => {
  const frames = parseStackFrames(NODE_STACK, { isNode: true, appRoot: '/srv/shop' });

  it('orders frames oldest first with the throwing frame last', () => {
    expect(frames.map((f) => f.function)).toEqual([
      'process.processTimers',
      'new Promise',
      '?',
      'Layer.handle',
      'loadOrder',
      'query',
    ]);
  });

  it('turns file URLs into paths and keeps line and column', () => {
    expect(frames.at(-1)).toMatchObject({ filename: '/srv/shop/lib/db.js', lineno: 7, colno: 16 });
  });

  it('marks dependencies, Node internals and native frames as not in app', () => {
    expect(frames.map((f) => [f.filename, f.in_app])).toEqual([
      ['node:internal/timers', false],
      ['<anonymous>', false],
      ['/srv/shop/server.js', true],
      ['/srv/shop/node_modules/express/lib/router/layer.js', false],
      ['/srv/shop/lib/checkout.js', true],
      ['/srv/shop/lib/db.js', true],
    ]);
  });

  it('names modules the way the Sentry Node SDK does', () => {
    expect(frames.map((f) => f.module)).toEqual([
      'timers',
      '<anonymous>',
      'server',
      'express.lib.router:layer',
      'lib:checkout',
      'lib:db',
    ]);
  });

  it('keeps browser URLs as they are and sets no module', () => {
    const [frame] = parseStackFrames('Error: x\n    at render (https://shop.example/assets/index-CX.js:1:2050)', {
      isNode: false,
    });
    expect(frame).toEqual({
      filename: 'https://shop.example/assets/index-CX.js',
      function: 'render',
      lineno: 1,
      colno: 2050,
      in_app: true,
    });
  });

  it('returns no frames for text that is not a stack', () => {
    expect(parseStackFrames('just a message', { isNode: true })).toEqual([]);
  });
});

describe('moduleFromFilename', () => {
  it.each([
    ['/srv/app/lib/checkout.js', '/srv/app', 'lib:checkout'],
    ['/srv/app/src/api/routes.ts', '/srv/app/', 'src.api:routes'],
    ['/srv/app/server.mjs', '/srv/app', 'server'],
    ['/srv/app/node_modules/@koa/router/lib/layer.cjs', '/srv/app', '@koa.router.lib:layer'],
    ['/elsewhere/tool.js', '/srv/app', 'tool'],
    ['C:\\srv\\app\\lib\\pay.js', 'C:\\srv\\app', 'lib:pay'],
    ['node:internal/process/task_queues', '/srv/app', 'task_queues'],
  ])('%s (root %s) → %s', (filename, root, expected) => {
    expect(moduleFromFilename(filename, root)).toBe(expected);
  });
});

describe('isInApp', () => {
  it.each([
    ['/srv/app/lib/a.js', true],
    ['C:\\app\\node_modules\\x\\y.js', false],
    ['node:internal/timers', false],
    ['internal/process/task_queues.js', false],
    ['native', false],
    [undefined, false],
  ])('%s → %s', (filename, expected) => {
    expect(isInApp(filename)).toBe(expected);
  });
});

describe('context lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-ctx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);

  it('adds five lines before and after the frame line', () => {
    const file = join(dir, 'a.js');
    writeFileSync(file, lines.join('\n'));
    const frames: StackFrame[] = [
      { filename: file, lineno: 10 },
      { filename: file, lineno: 2 },
      { filename: file, lineno: 20 },
    ];
    createContextLines(readSourceFile).addContextLines(frames);
    expect(frames[0]).toMatchObject({
      pre_context: ['line 5', 'line 6', 'line 7', 'line 8', 'line 9'],
      context_line: 'line 10',
      post_context: ['line 11', 'line 12', 'line 13', 'line 14', 'line 15'],
    });
    expect(frames[1]?.pre_context).toEqual(['line 1']);
    expect(frames[2]?.post_context).toEqual([]);
  });

  it('reads each file once while it stays in the cache', () => {
    const reads: string[] = [];
    const ctx = createContextLines((path) => (reads.push(path), lines.join('\n')));
    ctx.addContextLines([{ filename: '/x.js', lineno: 1 }]);
    ctx.addContextLines([
      { filename: '/x.js', lineno: 3 },
      { filename: '/y.js', lineno: 3 },
    ]);
    expect(reads).toEqual(['/x.js', '/y.js']);
  });

  it('skips frames near lines longer than 1000 characters, missing lines and non-local files', () => {
    const text = ['short', 'x'.repeat(1001), 'short'].join('\n');
    const frames: StackFrame[] = [
      { filename: '/min.js', lineno: 3 },
      { filename: '/min.js', lineno: 99 },
      { filename: 'https://cdn.example/app.js', lineno: 1 },
      { filename: 'node:internal/timers', lineno: 1 },
    ];
    createContextLines(() => text).addContextLines(frames);
    expect(frames.every((f) => f.context_line === undefined)).toBe(true);
  });

  it('does not read files of 1 MiB or more', () => {
    const big = join(dir, 'big.js');
    writeFileSync(big, 'a\n'.repeat(512 * 1024));
    expect(readSourceFile(big)).toBeNull();
    expect(readSourceFile(join(dir, 'missing.js'))).toBeNull();
  });
});
