// Fingerprints (grouping.md §2, §9): SDK fingerprints, `{{ default }}` and hybrids, variables,
// server-side rules (project first, then built-in) and their titles.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeGrouping, parseFingerprintRules } from '../../../server/src/grouping/index.js';
import { makeEvent } from '../../helpers/grouping-fixtures.js';

const md5 = (...values: string[]): string => createHash('md5').update(values.join('')).digest('hex');

const frames = [
  {
    function: 'handle',
    module: 'app.views',
    filename: 'app/views.py',
    abs_path: '/srv/app/views.py',
    in_app: true,
    context_line: 'charge()',
  },
  {
    function: 'charge',
    module: 'app.billing',
    filename: 'app/billing.py',
    abs_path: '/srv/app/billing.py',
    in_app: true,
  },
];
const event = (extra: Record<string, unknown> = {}) =>
  makeEvent({
    platform: 'python',
    transaction: '/checkout',
    tags: [['region', 'eu']],
    exception: { values: [{ type: 'PaymentError', value: 'card 4242 declined', stacktrace: { frames } }] },
    ...extra,
  });
const defaultValues = ['PaymentError', 'app.views', 'handle', 'charge()', 'app.billing', 'charge'];

describe('SDK fingerprints', () => {
  it('no fingerprint, ["{{ default }}"] and ["{{default}}"] all give the default grouping', () => {
    const base = computeGrouping(event());
    expect(base.variants[0]!.values).toEqual(defaultValues);
    expect(computeGrouping(event({ fingerprint: ['{{ default }}'] })).hashes).toEqual(base.hashes);
    expect(computeGrouping(event({ fingerprint: ['{{default}}'] })).hashes).toEqual(base.hashes);
  });

  it('a custom fingerprint replaces everything: md5 of its strings', () => {
    const r = computeGrouping(event({ fingerprint: ['payment', 'declined'] }));
    expect(r).toMatchObject({
      basis: 'fingerprint',
      hashes: [md5('payment', 'declined')],
      variants: [{ name: 'fingerprint', values: ['payment', 'declined'] }],
    });
  });

  it('a hybrid fingerprint puts the default values where {{ default }} stands', () => {
    expect(computeGrouping(event({ fingerprint: ['{{ default }}', 'eu'] })).variants[0]!.values).toEqual([
      ...defaultValues,
      'eu',
    ]);
    expect(computeGrouping(event({ fingerprint: ['eu', '{{ default }}'] })).variants[0]!.values).toEqual([
      'eu',
      ...defaultValues,
    ]);
  });

  it('a hybrid fingerprint over an event with nothing to group on is the fallback', () => {
    expect(computeGrouping(makeEvent({ platform: 'python', fingerprint: ['{{ default }}', 'x'] })).hashes).toEqual([
      md5(),
    ]);
  });

  it.each([
    ['{{ transaction }}', '/checkout'],
    ['{{ type }}', 'PaymentError'],
    ['{{ error.value }}', 'card 4242 declined'], // variables are not parameterized
    ['{{ message }}', 'card 4242 declined'],
    ['{{ function }}', 'charge'],
    ['{{ stack.module }}', 'app.billing'],
    ['{{ level }}', 'error'],
    ['{{ tags.region }}', 'eu'],
    ['{{ tags.missing }}', '<no-value-for-tag-missing>'],
    ['{{ nonsense }}', '<unrecognized-variable-nonsense>'],
  ])('resolves %s to %s', (variable, value) => {
    expect(computeGrouping(event({ fingerprint: [variable, 'x'] })).variants[0]!.values).toEqual([value, 'x']);
  });

  it('keeps unknown variables literally under the 2023 config', () => {
    expect(
      computeGrouping(event({ fingerprint: ['{{ nonsense }}'] }), { config: 'newstyle:2023-01-11' }).variants[0]!
        .values,
    ).toEqual(['{{ nonsense }}']);
  });
});

describe('server-side fingerprint rules', () => {
  it.each([
    ['type:PaymentError -> payments', ['payments']],
    ['type:Payment* -> payments', ['payments']],
    ['type:paymenterror -> payments', null], // type is case-sensitive
    ['value:"CARD * DECLINED" -> payments', ['payments']], // value is not
    ['message:"card*" -> payments', ['payments']], // message also looks at exception values
    ['function:charge module:app.billing -> payments', ['payments']], // both on the same frame
    ['function:handle module:app.billing -> payments', null],
    ['path:**/billing.py -> payments', ['payments']],
    ['app:yes function:charge -> payments', ['payments']],
    ['family:python -> payments', null], // families are javascript, native, other
    ['family:other -> payments', ['payments']],
    ['tags.region:eu -> payments, {{ tags.region }}', ['payments', 'eu']],
    ['tags.transaction:/checkout -> t', ['t']], // tags Sentry derives from the event count
    ['!type:KeyError -> not-key', ['not-key']],
    ['type:PaymentError -> {{ default }}, payments', [...defaultValues, 'payments']],
  ])('%s', (rules, expected) => {
    const r = computeGrouping(event({ fingerprint: ['client'] }), { fingerprintRules: rules });
    expect(r.variants[0]!.values).toEqual(expected ?? ['client']);
  });

  it('the first matching rule wins, project rules before built-in ones', () => {
    const chunk = makeEvent({
      platform: 'javascript',
      exception: { values: [{ type: 'ChunkLoadError', value: 'Loading chunk 3 failed' }] },
    });
    expect(computeGrouping(chunk).variants).toMatchObject([{ name: 'fingerprint', values: ['chunkloaderror'] }]);
    expect(
      computeGrouping(chunk, { fingerprintRules: 'type:Chunk* -> mine\ntype:* -> second' }).variants[0]!.values,
    ).toEqual(['mine']);
  });

  it('a rule title is expanded and returned for the issue', () => {
    const r = computeGrouping(event(), {
      fingerprintRules: 'type:PaymentError -> payments title="Payment failed in {{ transaction }}"',
    });
    expect(r.title).toBe('Payment failed in /checkout');
  });

  it('built-in hydration rule groups by transaction (JavaScript only)', () => {
    const hydration = (platform: string) =>
      makeEvent({
        platform,
        transaction: '/shop',
        exception: { values: [{ type: 'Error', value: 'Text content does not match server-rendered HTML.' }] },
      });
    expect(computeGrouping(hydration('javascript')).variants[0]!.values).toEqual(['hydrationerror', '/shop']);
    expect(computeGrouping(hydration('python')).basis).toBe('exception');
  });

  it('parseFingerprintRules reports invalid lines', () => {
    const { rules, errors } = parseFingerprintRules(
      '# c\ntype:A -> a\nbogus:x -> b\ntype:A\ntype:A -> "quoted value", {{ default }} title="T"',
    );
    expect(errors).toHaveLength(2);
    expect(rules.map((r) => [r.fingerprint, r.attributes])).toEqual([
      [['a'], {}],
      [['quoted value', '{{ default }}'], { title: 'T' }],
    ]);
  });
});
