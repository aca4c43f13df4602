import { describe, expect, it } from 'vitest';
import { eventTags, userTagValue } from '../../../server/src/events/tags.js';
import type { NormalizedEvent } from '../../../server/src/shared/protocol/event.js';

const base: NormalizedEvent = {
  event_id: 'a'.repeat(32),
  timestamp: 1,
  received: 1,
  platform: 'node',
  level: 'error',
  tags: [],
};

describe('userTagValue', () => {
  it.each([
    [{ id: '42', email: 'a@b.c' }, 'id:42'],
    [{ email: 'a@b.c', username: 'ann' }, 'email:a@b.c'],
    [{ username: 'ann', ip_address: '10.0.0.1' }, 'username:ann'],
    [{ ip_address: '10.0.0.1' }, 'ip:10.0.0.1'],
    [undefined, undefined],
  ])('%j → %s', (user, expected) => {
    expect(userTagValue({ ...base, user })).toBe(expected);
  });
});

describe('eventTags', () => {
  it('derives the standard tags first, then the event own tags, derived keys winning', () => {
    const tags = eventTags({
      ...base,
      release: 'shop@1.4.2',
      environment: 'production',
      server_name: 'web-1',
      transaction: 'GET /cart',
      user: { id: '42' },
      contexts: {
        os: { name: 'Debian', version: '12.11\n' },
        runtime: { name: 'node', version: 'v20.20.2' },
        browser: { name: 'Chrome' },
      },
      request: { url: 'https://shop.example/cart' },
      exception: { values: [{ type: 'E', mechanism: { type: 'generic', handled: true } }] },
      tags: [
        ['region', 'eu-west'],
        ['level', 'custom'],
      ],
    });
    expect(tags).toEqual([
      ['level', 'error'],
      ['release', 'shop@1.4.2'],
      ['environment', 'production'],
      ['server_name', 'web-1'],
      ['transaction', 'GET /cart'],
      ['user', 'id:42'],
      ['browser', 'Chrome'],
      ['browser.name', 'Chrome'],
      ['os', 'Debian 12.11'],
      ['os.name', 'Debian'],
      ['runtime', 'node v20.20.2'],
      ['runtime.name', 'node'],
      ['url', 'https://shop.example/cart'],
      ['handled', 'yes'],
      ['mechanism', 'generic'],
      ['region', 'eu-west'],
    ]);
  });

  it('truncates long derived values to 200 characters', () => {
    const tags = eventTags({ ...base, request: { url: `https://a/${'x'.repeat(300)}` } });
    expect(tags.find(([k]) => k === 'url')![1]).toHaveLength(200);
  });
});
