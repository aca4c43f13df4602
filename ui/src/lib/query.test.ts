import { describe, expect, it } from 'vitest';
import { addFilter, getFilter, parseQuery, serializeQuery, setFilter } from './query.js';

describe('parseQuery', () => {
  it.each([
    ['', [], ''],
    ['is:unresolved', [{ key: 'is', value: 'unresolved', negated: false }], ''],
    ['level:error TypeError foo', [{ key: 'level', value: 'error', negated: false }], 'TypeError foo'],
    ['release:"1.0 beta" env', [{ key: 'release', value: '1.0 beta', negated: false }], 'env'],
    ['!browser.name:Chrome', [{ key: 'browser.name', value: 'Chrome', negated: true }], ''],
    ['"quoted text" x', [], 'quoted text x'],
    [
      'server_name:web-1 url:https://x.io/a',
      [
        { key: 'server_name', value: 'web-1', negated: false },
        { key: 'url', value: 'https://x.io/a', negated: false },
      ],
      '',
    ],
    ['level:', [], 'level:'],
  ])('parses %j', (input, filters, text) => {
    expect(parseQuery(input)).toEqual({ filters, text });
  });

  it('round-trips through serializeQuery', () => {
    const q = 'is:unresolved release:"1.0 beta" !level:info checkout failed';
    expect(serializeQuery(parseQuery(q))).toBe(q);
  });
});

describe('filter editing', () => {
  it('replaces a filter and keeps the rest', () => {
    expect(setFilter('is:unresolved level:error boom', 'is', 'resolved')).toBe('level:error is:resolved boom');
  });
  it('removes a filter with null', () => {
    expect(setFilter('is:unresolved boom', 'is', null)).toBe('boom');
  });
  it('quotes values with spaces', () => {
    expect(setFilter('', 'release', 'v 2')).toBe('release:"v 2"');
  });
  it('reads a filter value', () => {
    expect(getFilter('is:ignored level:error', 'is')).toBe('ignored');
    expect(getFilter('!is:ignored', 'is')).toBeNull();
  });
  it('adds a filter once', () => {
    expect(addFilter('is:unresolved', 'environment', 'prod')).toBe('is:unresolved environment:prod');
    expect(addFilter('environment:prod', 'environment', 'prod')).toBe('environment:prod');
  });
});
