import { describe, expect, it } from 'vitest';
import { parseIssueSearch, SearchSyntaxError, type SearchTerm } from '../../../server/src/issues/search.js';
import { likePattern } from '../../../server/src/issues/search-sql.js';

describe('parseIssueSearch', () => {
  it.each<[string, SearchTerm[]]>([
    ['', []],
    ['is:unresolved', [{ kind: 'status', negated: false, statuses: ['unresolved'] }]],
    ['is:resolved', [{ kind: 'status', negated: false, statuses: ['resolved'] }]],
    ['is:ignored', [{ kind: 'status', negated: false, statuses: ['ignored'] }]],
    ['is:muted', [{ kind: 'status', negated: false, statuses: ['ignored'] }]],
    ['is:archived', [{ kind: 'status', negated: false, statuses: ['ignored'] }]],
    ['!is:resolved', [{ kind: 'status', negated: true, statuses: ['resolved'] }]],
    ['is:[resolved, ignored]', [{ kind: 'status', negated: false, statuses: ['resolved', 'ignored'] }]],
    ['is:regressed', [{ kind: 'substatus', negated: false, substatuses: ['regressed'] }]],
    ['is:unassigned', [{ kind: 'assigned', negated: true, to: 'anyone' }]],
    ['is:assigned', [{ kind: 'assigned', negated: false, to: 'anyone' }]],
    ['assigned:me', [{ kind: 'assigned', negated: false, to: 'me' }]],
    ['assigned:a@b.co', [{ kind: 'assigned', negated: false, to: { email: 'a@b.co' } }]],
    ['assigned:#Backend', [{ kind: 'assigned', negated: false, to: { teamSlug: 'backend' } }]],
    ['assigned:my_teams', [{ kind: 'assigned', negated: false, to: 'my_teams' }]],
    ['!assigned:#web', [{ kind: 'assigned', negated: true, to: { teamSlug: 'web' } }]],
    ['level:Error', [{ kind: 'level', negated: false, values: ['error'] }]],
    ['level:[error,fatal]', [{ kind: 'level', negated: false, values: ['error', 'fatal'] }]],
    ['release:web@1.2.3', [{ kind: 'tag', negated: false, key: 'release', values: ['web@1.2.3'] }]],
    ['environment:production', [{ kind: 'tag', negated: false, key: 'environment', values: ['production'] }]],
    ['!environment:staging', [{ kind: 'tag', negated: true, key: 'environment', values: ['staging'] }]],
    ['browser.name:"Mobile Safari"', [{ kind: 'tag', negated: false, key: 'browser.name', values: ['Mobile Safari'] }]],
    ['tags[sentry:user]:id:42', [{ kind: 'tag', negated: false, key: 'sentry:user', values: ['id:42'] }]],
    ['url:*checkout*', [{ kind: 'tag', negated: false, key: 'url', values: ['*checkout*'] }]],
    ['has:user', [{ kind: 'has', negated: false, key: 'user' }]],
    ['!has:release', [{ kind: 'has', negated: true, key: 'release' }]],
    ['TypeError', [{ kind: 'text', negated: false, value: 'TypeError' }]],
    ['"connection refused" timeout', [{ kind: 'text', negated: false, value: 'connection refused timeout' }]],
    ['message:"a \\"quoted\\" word"', [{ kind: 'text', negated: false, value: 'a "quoted" word' }]],
    ['!flaky', [{ kind: 'text', negated: true, value: 'flaky' }]],
    ['key: alone', [{ kind: 'text', negated: false, value: 'key: alone' }]],
    [
      'is:unresolved level:error  db timeout environment:prod',
      [
        { kind: 'status', negated: false, statuses: ['unresolved'] },
        { kind: 'level', negated: false, values: ['error'] },
        { kind: 'tag', negated: false, key: 'environment', values: ['prod'] },
        { kind: 'text', negated: false, value: 'db timeout' },
      ],
    ],
  ])('parses %j', (query, terms) => {
    expect(parseIssueSearch(query).terms).toEqual(terms);
  });

  it.each([
    ['is:bogus', /unsupported is:bogus/],
    ['title:"unterminated', /unterminated quote/],
    ['level:[error', /unterminated value list/],
    ['level:[]', /empty value list/],
    ['assigned:[a,b]', /takes one value/],
  ])('rejects %j', (query, message) => {
    expect(() => parseIssueSearch(query)).toThrow(SearchSyntaxError);
    expect(() => parseIssueSearch(query)).toThrow(message);
  });
});

describe('likePattern', () => {
  it.each([
    ['100%', false, '100\\%'],
    ['a_b', false, 'a\\_b'],
    ['back\\slash', false, 'back\\\\slash'],
    ['*check*', true, '%check%'],
    ['*check*', false, '*check*'],
  ])('%j (wildcards %s) → %j', (input, wildcards, expected) => {
    expect(likePattern(input, { wildcards })).toBe(expected);
  });
});
