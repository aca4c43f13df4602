import { describe, expect, it } from 'vitest';
import { isCardNumber, isLuhnValid, scrubString } from '../../../server/src/scrub/patterns.js';
import { compileScrubRules, DEFAULT_SCRUB_RULES, effectiveScrubSettings } from '../../../server/src/scrub/rules.js';

const scrub = (s: string) => scrubString(s, DEFAULT_SCRUB_RULES);

describe('scrubString with the default rules', () => {
  it.each([
    ['card 4111 1111 1111 1111 declined', 'card [Filtered] declined'],
    ['card 4111-1111-1111-1111', 'card [Filtered]'],
    ['pan=5555555555554444;', 'pan=[Filtered];'],
    ['amex 378282246310005 ok', 'amex [Filtered] ok'],
    ['Authorization: Bearer abcdef0123456789', 'Authorization: Bearer [Filtered]'],
    ['postgres://app:hunter22@db.internal:5432/app', 'postgres://app:[Filtered]@db.internal:5432/app'],
    ['user=bob&password=hunter22&next=/home', 'user=bob&password=[Filtered]&next=/home'],
    ['{"user":"bob","api_key":"k-123456"}', '{"user":"bob","api_key":"[Filtered]"}'],
    ['key AKIAABCDEFGHIJKLMNOP used', 'key [Filtered] used'],
    ['token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB', 'token [Filtered]'],
    [
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'jwt [Filtered]',
    ],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', '[Filtered]'],
  ])('%s', (input, expected) => {
    expect(scrub(input)).toBe(expected);
  });

  it.each([
    'order 1234 failed',
    'event 0123456789abcdef0123456789abcdef',
    '12345678-1234-1234-1234-123456789012',
    'took 1764130000000 ms', // a millisecond timestamp is not a card (starts with 1)
    '4111 1111 1111 1112', // fails the Luhn check
    'const password = req.body.password', // code, not a key=value pair
    'https://example.com/app.js?v=3',
  ])('keeps %s', (input) => {
    expect(scrub(input)).toBe(input);
  });

  it('checks Luhn and card-shaped numbers', () => {
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
    expect(isCardNumber(4111111111111111)).toBe(true);
    expect(isCardNumber(1764130000000)).toBe(false);
    expect(isCardNumber(42)).toBe(false);
  });

  it('without the built-in rules only the project-defined keys apply', () => {
    const rules = compileScrubRules({
      ...effectiveScrubSettings(null, { defaults: true, ipAddresses: false }),
      dataScrubberDefaults: false,
      sensitiveFields: ['pin'],
    });
    expect(scrubString('card 4111 1111 1111 1111 pin=1234 password=x1', rules)).toBe(
      'card 4111 1111 1111 1111 pin=[Filtered] password=x1',
    );
  });
});
