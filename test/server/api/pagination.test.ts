import { describe, expect, it } from 'vitest';
import { encodeCursor, linkHeader, parseCursor, toPage } from '../../../server/src/api/pagination.js';

const key = (r: { k: number; id: number }) => ({ key: String(r.k), id: String(r.id) });

describe('cursors', () => {
  it.each(['1700000000000000:42:0', '5:7:1', '-3:0:0', '1:9223372036854775807:0'])('round-trips %s', (c) => {
    expect(encodeCursor(parseCursor(c)!)).toBe(c);
  });

  it('round-trips an event cursor (32 hex)', () => {
    const c = '1:0123456789abcdef0123456789abcdef:0';
    expect(encodeCursor(parseCursor(c, 'event-id')!)).toBe(c);
  });

  // Issue 12: a 20-digit key, an id past bigint and a short event id were 500s.
  it.each([
    'abc',
    '1:2',
    '1:2:3',
    '1:x-y:0',
    "1:2:0' OR 1=1",
    '12345678901234567890:1:0',
    '1:9223372036854775808:0',
    '1:abc:0',
  ])('rejects %j', (c) => {
    expect(() => parseCursor(c)).toThrow(/invalid cursor/);
  });

  it.each(['1:1:0', '1:0123456789abcdef:0'])('rejects the event cursor %j', (c) => {
    expect(() => parseCursor(c, 'event-id')).toThrow(/invalid cursor/);
  });

  it('treats empty as the first page', () => {
    expect(parseCursor('')).toBeNull();
    expect(parseCursor(undefined)).toBeNull();
  });
});

describe('toPage', () => {
  const rows = [
    { k: 9, id: 9 },
    { k: 8, id: 8 },
    { k: 7, id: 7 },
  ];

  it('first page with more rows: next has results, previous does not', () => {
    const page = toPage(rows, 2, null, key);
    expect(page.items).toEqual(rows.slice(0, 2));
    expect(page).toMatchObject({
      hasPrev: false,
      hasNext: true,
      next: { key: '8', id: '8', direction: 'next' },
      prev: { key: '9', direction: 'prev' },
    });
  });

  it('last page reached with a cursor: previous has results', () => {
    const page = toPage(rows.slice(2), 2, parseCursor('8:8:0'), key);
    expect(page).toMatchObject({ hasPrev: true, hasNext: false });
  });

  it('backwards pages come back reversed into display order', () => {
    const fetched = [
      { k: 8, id: 8 },
      { k: 9, id: 9 },
      { k: 10, id: 10 },
    ]; // ascending from the cursor
    const page = toPage(fetched, 2, parseCursor('7:7:1'), key);
    expect(page.items).toEqual([
      { k: 9, id: 9 },
      { k: 8, id: 8 },
    ]);
    expect(page).toMatchObject({ hasPrev: true, hasNext: true });
  });
});

describe('linkHeader', () => {
  it("uses Sentry's format", () => {
    const page = toPage([{ k: 2, id: 5 }], 1, null, key);
    const header = linkHeader(new URL('http://h/api/0/projects/a/b/issues/?query=is%3Aresolved&cursor=old'), page);
    expect(header).toBe(
      '<http://h/api/0/projects/a/b/issues/?query=is%3Aresolved&cursor=2%3A5%3A1>; rel="previous"; results="false"; cursor="2:5:1", ' +
        '<http://h/api/0/projects/a/b/issues/?query=is%3Aresolved&cursor=2%3A5%3A0>; rel="next"; results="false"; cursor="2:5:0"',
    );
  });
});
