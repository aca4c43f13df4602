// Real SDK events (test/fixtures/sdk-captures: @sentry/node 11.12 envelopes, Python SDK 1.9.10
// gzip store bodies): what they group by, and which of them end up in the same issue.
import { describe, expect, it } from 'vitest';
import { computeGrouping, deriveJsModule, summarizeEvent } from '../../../server/src/grouping/index.js';
import type { NormalizedEvent } from '../../../server/src/shared/protocol/event.js';
import { sdkEvent } from '../../helpers/grouping-fixtures.js';

const node = (n: string): NormalizedEvent => sdkEvent(`node-sdk-11.12/${n}.json`);
const python = (n: string): NormalizedEvent => sdkEvent(`python-sdk-1.9.10/${n}.json`);
const appValues = (e: NormalizedEvent): string[] | undefined =>
  computeGrouping(e).variants.find((v) => v.name === 'app')?.values;
const sameIssue = (a: NormalizedEvent, b: NormalizedEvent): boolean =>
  computeGrouping(a).hashes.some((h) => computeGrouping(b).hashes.includes(h));

function edited(event: NormalizedEvent, edit: (e: NormalizedEvent) => void): NormalizedEvent {
  const copy = structuredClone(event);
  edit(copy);
  return copy;
}

describe('SDK captures: summary and basis', () => {
  it.each([
    [
      node('02-event-syntaxerror-json-parse'),
      'stacktrace',
      "SyntaxError: Expected ',' or ']' after array element in JSON at position 15",
      'parseCart(lib:checkout)',
    ],
    [node('03-event-dberror-with-cause'), 'stacktrace', 'DbError: could not load order 981', 'loadOrder(lib:checkout)'],
    [node('04-event-dberror-charge'), 'stacktrace', 'DbError: relation "orders_1999" does not exist', 'query(lib:db)'],
    [node('05-event-message-with-numbers'), 'stacktrace', 'Payment 1999 declined for order 981', ''],
    [
      node('07-event-unhandled-rangeerror'),
      'stacktrace',
      'RangeError: Invalid array length in stock sync',
      'Timeout._onTimeout(server)',
    ],
    [python('01-store-zerodivision-gzip'), 'stacktrace', 'ZeroDivisionError: division by zero', '__main__ in ratio'],
    [python('02-store-keyerror-gzip'), 'stacktrace', "KeyError: 'gross'", '__main__ in render_invoice'],
    [python('03-store-message-gzip'), 'message', 'Invoice 7781 sent to customer 55', ''],
  ])('%#: basis %s, title %j, culprit %j', (event, basis, title, culprit) => {
    expect(computeGrouping(event).basis).toBe(basis);
    expect(summarizeEvent(event)).toMatchObject({ title, culprit });
  });
});

describe('SDK captures: what the hash is made of', () => {
  it('Node: in-app frames give module, trimmed function and context line; "?" functions are dropped', () => {
    expect(appValues(node('02-event-syntaxerror-json-parse'))).toEqual([
      'SyntaxError',
      'server',
      `try { parseCart('{"items": [1, 2'); } catch (e) { Sentry.captureException(e); }`,
      'lib:checkout',
      'parseCart',
      'export function parseCart(text) { return JSON.parse(text); }',
    ]);
  });

  it('Node: the system variant also hashes node internals (modules run_main, loader …), so both hashes are kept', () => {
    const r = computeGrouping(node('02-event-syntaxerror-json-parse'));
    expect(r.variants.map((v) => v.name)).toEqual(['app', 'system']);
    expect(r.variants[1]!.values.slice(0, 4)).toEqual([
      'SyntaxError',
      'run_main',
      'asyncRunEntryPointWithESMLoader',
      'loader',
    ]);
  });

  it('Node: a cause chain with exception ids is hashed root first (DbError, then its TypeError cause)', () => {
    const values = appValues(node('03-event-dberror-with-cause'))!;
    expect(values.filter((v) => v === 'DbError' || v === 'TypeError')).toEqual(['DbError', 'TypeError']);
    expect(values.at(-3)).toBe('lib:db');
  });

  it('Node captureMessage with an attached stack: grouped by its call site, the message text is not hashed', () => {
    expect(appValues(node('05-event-message-with-numbers'))).toEqual([
      'server',
      "Sentry.captureMessage('Payment 1999 declined for order 981', 'warning');",
    ]);
  });

  it('Python: all frames in-app, so app and system hash alike and one hash is emitted', () => {
    const r = computeGrouping(python('01-store-zerodivision-gzip'));
    expect(r.hashes).toHaveLength(1);
    expect(r.variants[0]!.values).toEqual([
      'ZeroDivisionError',
      '__main__',
      '<module>',
      'ratio(100, 0)',
      '__main__',
      'ratio',
      'return total / count',
    ]);
  });

  it('Browser (minified, not symbolicated): URL file names never count; the module symbolication derives from the URL does', () => {
    const raw = sdkEvent('browser-sdk-11.12/02-event-minified-typeerror.json');
    expect(summarizeEvent(raw).title).toBe("TypeError: Cannot read properties of undefined (reading 'toFixed')");
    expect(appValues(raw)).toEqual(['TypeError', 'r', 'e']);
    // What the symbolicate stage does for JS frames without a module (as Sentry's JS processing does).
    const withModules = edited(raw, (e) => {
      for (const f of e.exception!.values[0]!.stacktrace!.frames) {
        const module = f.filename?.startsWith('http') ? deriveJsModule(f.filename) : null;
        if (module) f.module = module;
      }
    });
    expect(appValues(withModules)).toEqual([
      'TypeError',
      'assets/index-CXTlBatX',
      'r',
      'assets/index-CXTlBatX',
      'assets/index-CXTlBatX',
      'e',
      'assets/index-CXTlBatX',
    ]);
    expect(summarizeEvent(withModules).culprit).toBe('?(assets/index-CXTlBatX)');
  });

  it('Python message: numbers are parameterized', () => {
    expect(computeGrouping(python('03-store-message-gzip')).variants[0]!.values).toEqual([
      'Invoice <int> sent to customer <int>',
    ]);
  });
});

describe('SDK captures: same issue or not', () => {
  it('DbError 03 and 04 are DIFFERENT issues, as in Sentry: same error type thrown from query(), but the stack hash covers the whole in-app call path (loadOrder vs chargeCard) and 03 also hashes its TypeError cause', () => {
    expect(sameIssue(node('03-event-dberror-with-cause'), node('04-event-dberror-charge'))).toBe(false);
    // Even without the cause, the call paths differ.
    const withoutCause = edited(node('03-event-dberror-with-cause'), (e) => e.exception!.values.splice(0, 1));
    expect(sameIssue(withoutCause, node('04-event-dberror-charge'))).toBe(false);
  });

  it('the same error with other line numbers, another value and another release is the same issue', () => {
    const original = node('04-event-dberror-charge');
    const moved = edited(original, (e) => {
      e.release = 'shop@1.4.3';
      const exc = e.exception!.values[0]!;
      exc.value = 'relation "orders_5" does not exist';
      for (const f of exc.stacktrace!.frames) f.lineno = (f.lineno ?? 0) + 10;
    });
    expect(sameIssue(original, moved)).toBe(true);
  });

  it('a changed in-app line of code is a new issue (context lines are hashed), a changed node internal is not', () => {
    const original = node('04-event-dberror-charge');
    const frames = (e: NormalizedEvent) => e.exception!.values[0]!.stacktrace!.frames;
    const edit = edited(
      original,
      (e) => (frames(e).at(-1)!.context_line = '  throw new DbError(`no relation ${params[0]}`);'),
    );
    expect(sameIssue(original, edit)).toBe(false);
    const internal = edited(original, (e) => (frames(e)[0]!.function = 'somethingElse'));
    expect(sameIssue(original, internal)).toBe(true); // the app hash still matches
  });

  it('two Python messages differing only in numbers are the same issue', () => {
    const other = edited(
      python('03-store-message-gzip'),
      (e) => (e.logentry = { formatted: 'Invoice 12 sent to customer 9' }),
    );
    expect(sameIssue(python('03-store-message-gzip'), other)).toBe(true);
  });

  it('ZeroDivisionError and KeyError from the same script are different issues', () => {
    expect(sameIssue(python('01-store-zerodivision-gzip'), python('02-store-keyerror-gzip'))).toBe(false);
  });
});
