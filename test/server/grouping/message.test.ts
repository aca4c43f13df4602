// Message normalization (grouping.md §8): first two non-empty lines, then Sentry's parameterization
// with its pattern order.
import { describe, expect, it } from 'vitest';
import { normalizeMessage } from '../../../server/src/grouping/index.js';

describe('normalizeMessage', () => {
  it.each([
    ['testing testing 1, 2, 3', 'testing testing <int>, <int>, <int>'],
    ['Invoice 7781 sent to customer 55', 'Invoice <int> sent to customer <int>'],
    ['GET /issues/1018239786/events/latest/ 404', 'GET /issues/<hex>/events/latest/ <int>'], // > 7 digits is hex
    ['big number 12345678901', 'big number <hex>'],
    ['Error code -42', 'Error code <int>'],
    ['abc-42', 'abc-<int>'], // a dash glued to a word is not a minus sign
    ['value 3.14', 'value <float>'],
    ['ptr 0xdeadbeef', 'ptr <hex>'],
    ['commit a1b2c3d deployed', 'commit <git_sha> deployed'],
    ['User bob@example.com not found', 'User <email> not found'],
    ['Connect to 192.168.0.1:5432 refused', 'Connect to <ip>:<int> refused'],
    ['Connect to [2001:db8::1] refused', 'Connect to [<ip>] refused'],
    ['www.example.com is down', '<hostname> is down'],
    ['id 550e8400-e29b-41d4-a716-446655440000', 'id <uuid>'],
    ['sha 3f786850e387550fdab836ed7e6dc881de23001b', 'sha <sha1>'],
    ['md5 d41d8cd98f00b204e9800998ecf8427e', 'md5 <md5>'],
    ['tp 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'tp <traceparent>'],
    ['at 2024-01-02T03:04:05Z', 'at <date>'],
    ['at 10:30 PM', 'at <date>'],
    ['Thu, 01 Jan 2015 00:00:00 GMT', '<date>'],
    ['Mon Jan 02 2006 15:04:05 GMT+0100 (CET)', '<date>'],
    ['datetime.datetime(2020, 1, 1)', '<date>'],
    ['took 1500ms', 'took <duration>'],
    ['took 1.5s', 'took <duration>'],
    ["key='abc' enabled=true", 'key=<quoted_str> enabled=<bool>'], // quoted values and bools only after "="
    ["Cannot read properties of undefined (reading 'x')", "Cannot read properties of undefined (reading 'x')"],
    ['relation "orders_1999" does not exist', 'relation "orders_1999" does not exist'], // no word boundary after "_"
    ['dead beef', 'dead beef'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeMessage(input)).toBe(expected);
  });

  it('keeps a URL up to the next whitespace, trailing punctuation included', () => {
    expect(
      normalizeMessage('Loading chunk 158 failed.\n(timeout: https://cdn.example.com/_static/34f8a6d1/dist/app.js)'),
    ).toBe('Loading chunk <int> failed.\n(timeout: <url>');
  });

  it.each([
    ['line1\n\nline2\nline3', 'line1\nline2...'],
    ['one line', 'one line'],
    ['two\nlines', 'two\nlines'],
    ['trailing newline\n', 'trailing newline...'], // Sentry's quirk: any change appends "..."
  ])('trims %j to the first two non-empty lines', (input, expected) => {
    expect(normalizeMessage(input)).toBe(expected);
  });
});
