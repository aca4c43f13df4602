// Stack-trace rules: the parser, glob semantics, ranges (^ towards the crash, v towards main),
// caller/callee matchers, max/min-frames, and the built-in rules (node_modules, polyfills).
import { describe, expect, it } from 'vitest';
import { computeGrouping, parseEnhancements } from '../../../server/src/grouping/index.js';
import { makeEvent } from '../../helpers/grouping-fixtures.js';

// Python frames a → b → c → d (d raised), all in-app, module "mod".
function pyEvent(extra: Record<string, unknown> = {}, names = ['a', 'b', 'c', 'd']) {
  const frames = names.map((fn) => ({
    function: fn,
    module: 'mod',
    abs_path: `/srv/app/${fn}.py`,
    filename: `${fn}.py`,
    in_app: true,
  }));
  return makeEvent({
    platform: 'python',
    exception: { values: [{ type: 'ValueError', value: 'bad 1', stacktrace: { frames } }] },
    ...extra,
  });
}

const appFunctions = (enhancements: string, event = pyEvent()): string[] => {
  const app = computeGrouping(event, { enhancements }).variants.find((v) => v.name === 'app');
  return app ? app.values.filter((v) => v.length === 1) : [];
};

describe('parseEnhancements', () => {
  it('parses matchers, ranges and actions, and skips comments', () => {
    const { rules, errors } = parseEnhancements(
      '# comment\nfunction:wrapped_view ^-group -group  # trailing\n[ module:x ] | function:y | [ !category:z ] v+app max-frames=3\n',
    );
    expect(errors).toEqual([]);
    expect(rules).toHaveLength(2);
    expect(rules[0]!.actions).toEqual([
      { kind: 'flag', flag: false, type: 'group', range: 'up' },
      { kind: 'flag', flag: false, type: 'group' },
    ]);
    expect(rules[1]!.frameMatchers.map((m) => [m.offset, m.negated])).toEqual([
      [-1, false],
      [0, false],
      [1, true],
    ]);
  });

  it('reports invalid lines instead of throwing', () => {
    const { rules, errors } = parseEnhancements('nosuch:thing -app\nfunction:x\nfunction:ok -group');
    expect(rules).toHaveLength(1);
    expect(errors).toHaveLength(2);
  });
});

describe('stack-trace rules in grouping', () => {
  it.each([
    ['function:b -group', ['a', 'c', 'd']],
    ['function:b ^-group', ['a', 'b']], // ^ = frames towards the crash
    ['function:c v-group', ['c', 'd']], // v = frames towards main
    ['function:b ^-group -group', ['a']],
    ['path:**/app/c.py -group', ['a', 'b', 'd']], // path globs match abs_path
    ['path:*/c.py -group', ['a', 'b', 'c', 'd']], // a single star does not cross "/"
    ['path:C.PY -group', ['a', 'b', 'c', 'd']], // only whole paths (with a "/" prefix retry)
    ['path:**/C.PY -group', ['a', 'b', 'd']], // case-insensitive
    ['function:c | [ function:d ] -group', ['a', 'b', 'd']], // callee matcher
    ['[ function:a ] | function:b -group', ['a', 'c', 'd']], // caller matcher
    ['error.type:ValueError function:d -group', ['a', 'b', 'c']],
    ['error.type:KeyError function:d -group', ['a', 'b', 'c', 'd']],
    ['function:a category=boring\ncategory:boring -group', ['b', 'c', 'd']],
    ['max-frames=2 function:*', ['c', 'd']],
    ['function:b -app', ['a', 'c', 'd']],
  ])('%s leaves in-app functions %j', (rules, expected) => {
    expect(appFunctions(rules)).toEqual(expected);
  });

  it('min-frames discards a too short stack trace, so the exception value groups instead', () => {
    const r = computeGrouping(pyEvent(), { enhancements: 'function:* min-frames=5' });
    expect(r.basis).toBe('exception');
    expect(r.variants.map((v) => v.values)).toEqual([['ValueError', 'bad <int>']]);
  });

  it('+app from a project rule turns system frames into app frames', () => {
    const frames = ['a', 'b'].map((fn) => ({ function: fn, module: 'm', in_app: false }));
    const event = makeEvent({ platform: 'python', exception: { values: [{ type: 'E', stacktrace: { frames } }] } });
    expect(computeGrouping(event).variants.map((v) => v.name)).toEqual(['system']);
    expect(computeGrouping(event, { enhancements: 'function:b +app' }).variants.map((v) => [v.name, v.values])).toEqual(
      [
        ['app', ['E', 'm', 'b']],
        ['system', ['E', 'm', 'a', 'm', 'b']],
      ],
    );
  });

  it('built-in rules: node_modules frames are not in app even when the SDK says so', () => {
    const frames = [
      { function: 'handler', module: 'routes', filename: '/srv/app/routes.js', in_app: true },
      { function: 'query', module: 'pg.lib:client', filename: '/srv/app/node_modules/pg/lib/client.js', in_app: true },
    ];
    const r = computeGrouping(
      makeEvent({ platform: 'node', exception: { values: [{ type: 'Error', value: 'x', stacktrace: { frames } }] } }),
    );
    expect(r.variants.find((v) => v.name === 'app')?.values).toEqual(['Error', 'routes', 'handler']);
  });

  it('built-in rules: polyfill and node-internal frames are not grouped at all', () => {
    const frames = [
      { function: 'processTicksAndRejections', module: 'task_queues', filename: 'node:internal/process/task_queues' },
      { function: 'step', module: 'tslib/tslib.es6' },
    ];
    const r = computeGrouping(
      makeEvent({ platform: 'node', exception: { values: [{ type: 'Error', value: 'bad', stacktrace: { frames } }] } }),
    );
    expect(r).toMatchObject({ basis: 'exception', variants: [{ name: 'app', values: ['Error', 'bad'] }] });
  });

  it('project rules are applied after the built-in ones, so they can undo them', () => {
    const frames = [
      { function: 'main', module: 'app', in_app: true },
      { function: 'step', module: '@babel/runtime/helpers/asyncToGenerator', in_app: true },
    ];
    const event = makeEvent({
      platform: 'javascript',
      exception: { values: [{ type: 'Error', stacktrace: { frames } }] },
    });
    expect(computeGrouping(event).variants.map((v) => v.values)).toEqual([['Error', 'app', 'main']]);
    expect(
      computeGrouping(event, { enhancements: 'module:@babel/** +app +group' }).variants.map((v) => v.values),
    ).toEqual([['Error', 'app', 'main', '@babel/runtime/helpers/asyncToGenerator', 'step']]);
  });
});
