import { describe, expect, it } from 'vitest';
import { errorChain, eventFromException, LINKED_ERRORS_LIMIT } from '../../../client-sdk/src/index.js';

const build = { isNode: true, appRoot: process.cwd() };
const handled = { type: 'generic', handled: true };

describe('cause chains', () => {
  it('sends the deepest cause first and the raised error last, linked by exception ids', () => {
    const root = new TypeError("Cannot read properties of undefined (reading 'id')");
    const mid = new Error('query failed', { cause: root });
    class DbError extends Error {
      override name = 'DbError';
    }
    const raised = new DbError('could not load order 981', { cause: mid });
    const values = eventFromException(raised, handled, build).exception?.values ?? [];
    expect(values.map((v) => [v.type, v.value])).toEqual([
      ['TypeError', "Cannot read properties of undefined (reading 'id')"],
      ['Error', 'query failed'],
      ['DbError', 'could not load order 981'],
    ]);
    expect(values.map((v) => v.mechanism)).toEqual([
      { type: 'chained', handled: true, source: 'cause', exception_id: 2, parent_id: 1 },
      { type: 'chained', handled: true, source: 'cause', exception_id: 1, parent_id: 0 },
      { type: 'generic', handled: true, exception_id: 0 },
    ]);
    expect(values.every((v) => (v.stacktrace?.frames.length ?? 0) > 0)).toBe(true);
  });

  it('gives a lone error its mechanism without ids', () => {
    const values = eventFromException(new Error('alone'), { type: 'onuncaughtexception', handled: false }, build)
      .exception?.values;
    expect(values?.[0]?.mechanism).toEqual({ type: 'onuncaughtexception', handled: false });
  });

  it(`stops after ${LINKED_ERRORS_LIMIT} errors, at cycles and at causes that are not errors`, () => {
    let deep = new Error('e0');
    for (let i = 1; i < 8; i++) deep = new Error(`e${i}`, { cause: deep });
    expect(errorChain(deep).map((e) => (e as Error).message)).toEqual(['e7', 'e6', 'e5', 'e4', 'e3']);

    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(errorChain(b)).toEqual([b, a]);

    expect(errorChain(new Error('top', { cause: 'just text' }))).toHaveLength(1);
  });
});

describe('values that are not errors', () => {
  it.each([
    ['a string', 'plain text', 'plain text'],
    ['a number', 42, '42'],
    ['an object', { code: 'E1', retry: true }, 'Non-Error exception captured with keys: code, retry'],
  ])('describes %s and marks the mechanism synthetic', (_, value, text) => {
    const event = eventFromException(value, handled, build);
    expect(event.exception?.values).toEqual([
      { type: 'Error', value: text, mechanism: { ...handled, synthetic: true } },
    ]);
  });

  it('keeps the thrown object in extra', () => {
    expect(eventFromException({ code: 'E1' }, handled, build).extra).toEqual({ __serialized__: { code: 'E1' } });
  });
});
