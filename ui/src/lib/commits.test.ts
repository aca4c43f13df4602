import { describe, expect, it } from 'vitest';
import { authorLabel, shortSha, subject, suspectIds } from './commits.js';

describe('commit helpers', () => {
  it('shortens shas, keeps refs', () => {
    expect(shortSha('0123456789abcdef0123')).toBe('0123456789ab');
    expect(shortSha('HEAD')).toBe('HEAD');
  });
  it('takes the subject line and labels authors', () => {
    expect(subject('Fix cart\n\nbody')).toBe('Fix cart');
    expect(subject(null)).toBe('(no message)');
    expect(authorLabel({ author: { name: null, email: 'a@x.io' } })).toBe('a@x.io');
    expect(authorLabel({ author: null })).toBe('unknown author');
  });
  it('collects suspect ids across lists', () => {
    const s = suspectIds([[{ suspectCommits: [{ id: 'a', message: null, dateCreated: null, author: null }] }], [{}]]);
    expect([...s]).toEqual(['a']);
  });
});
