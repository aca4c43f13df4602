import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../server/src/shared/protocol/event.js';
import {
  compileScrubRules,
  DEFAULT_SCRUB_RULES,
  effectiveScrubSettings,
  isSensitiveKey,
} from '../../../server/src/scrub/rules.js';
import { scrubEvent } from '../../../server/src/scrub/scrub-event.js';

function event(extra: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    event_id: 'a'.repeat(32),
    timestamp: 1_764_000_000,
    received: 1_764_000_000,
    platform: 'node',
    level: 'error',
    tags: [
      ['session_id', 's-1'],
      ['browser', 'Firefox'],
    ],
    release: 'web@1.0.0',
    user: { id: '42', email: 'ann@example.com', ip_address: '203.0.113.9' },
    request: {
      url: 'https://shop.example/checkout',
      method: 'POST',
      headers: [
        ['Authorization', 'Bearer abcdef0123456789'],
        ['X-Forwarded-For', '203.0.113.9'],
        ['Accept', 'text/html'],
      ],
      cookies: [
        ['sessionid', 'abc'],
        ['theme', 'dark'],
      ],
      query_string: [
        ['token', 'qwerty123'],
        ['page', '2'],
      ],
      data: { username: 'ann', password: 'hunter22', card: { number: '4111 1111 1111 1111', expiry: '12/30' } },
      env: { REMOTE_ADDR: '203.0.113.9' },
    },
    extra: {
      apiKey: 'k-123',
      note: 'charged 4111111111111111',
      cardNumber: 4111111111111111,
      nested: { deep: { secret: ['a', 'b'] } },
    },
    contexts: { db: { type: 'db', connection: 'postgres://app:pw12345@db/app' } },
    breadcrumbs: { values: [{ category: 'http', data: { url: 'https://api.example/login?password=pw12345' } }] },
    exception: {
      values: [
        {
          type: 'Error',
          value: 'card 4111 1111 1111 1111 declined',
          stacktrace: { frames: [{ function: 'charge', vars: { password: 'x', amount: 10 } }] },
        },
      ],
    },
    ...extra,
  };
}

describe('scrubEvent', () => {
  it('replaces secrets everywhere in the event and keeps the rest', () => {
    const e = scrubEvent(event(), DEFAULT_SCRUB_RULES);
    const text = JSON.stringify(e);
    for (const secret of ['hunter22', '4111', 'abcdef0123456789', 'qwerty123', 'k-123', 'pw12345', '"abc"', 's-1'])
      expect(text).not.toContain(secret);
    expect(e.request!.headers).toEqual([
      ['Authorization', '[Filtered]'],
      ['X-Forwarded-For', '203.0.113.9'],
      ['Accept', 'text/html'],
    ]);
    expect(e.request!.cookies).toEqual([
      ['sessionid', '[Filtered]'],
      ['theme', '[Filtered]'],
    ]);
    expect(e.request!.query_string).toEqual([
      ['token', '[Filtered]'],
      ['page', '2'],
    ]);
    expect(e.request!.data).toEqual({
      username: 'ann',
      password: '[Filtered]',
      card: { number: '[Filtered]', expiry: '12/30' },
    });
    expect(e.extra).toEqual({
      apiKey: '[Filtered]',
      note: 'charged [Filtered]',
      cardNumber: '[Filtered]',
      nested: { deep: { secret: ['[Filtered]', '[Filtered]'] } },
    });
    expect(e.exception!.values[0]!.value).toBe('card [Filtered] declined');
    expect(e.exception!.values[0]!.stacktrace!.frames[0]).toEqual({
      function: 'charge',
      vars: { password: '[Filtered]', amount: 10 },
    });
    expect(e.tags).toEqual([
      ['session_id', '[Filtered]'],
      ['browser', 'Firefox'],
    ]);
    expect(e.user).toEqual({ id: '42', email: 'ann@example.com', ip_address: '203.0.113.9' });
    expect(e.release).toBe('web@1.0.0');
  });

  it("keeps frames' source code (Relay: not PII), not a context_line key elsewhere, and scrubs frame vars", () => {
    const line = "  charge('4111 1111 1111 1111')";
    const frame = {
      filename: 'pay.rb',
      pre_context: ['token = "sk_live_0123456789abcdef"'],
      context_line: line,
      vars: { n: line },
    };
    const e = scrubEvent(
      event({
        exception: { values: [{ type: 'E', stacktrace: { frames: [structuredClone(frame)] } }] },
        threads: { values: [{ stacktrace: { frames: [structuredClone(frame)] } }] },
        extra: { context_line: line, pre_context: ['4111 1111 1111 1111'] },
      }),
      DEFAULT_SCRUB_RULES,
    );
    for (const f of [e.exception!.values[0]!.stacktrace!.frames[0]!, e.threads!.values[0]!.stacktrace!.frames[0]!]) {
      expect(f).toMatchObject({ context_line: line, pre_context: frame.pre_context });
      expect(JSON.stringify(f.vars)).not.toContain('4111');
    }
    expect(JSON.stringify(e.extra)).not.toContain('4111');
  });

  it('drops IP addresses only when asked', () => {
    const rules = compileScrubRules(
      effectiveScrubSettings({ scrubIPAddresses: true }, { defaults: true, ipAddresses: false }),
    );
    const e = scrubEvent(event(), rules);
    expect(e.user).toEqual({ id: '42', email: 'ann@example.com' });
    expect(e.request!.env).toEqual({});
    expect(e.request!.headers).toEqual([
      ['Authorization', '[Filtered]'],
      ['Accept', 'text/html'],
    ]);
  });

  it('leaves the event alone when the project turned the scrubber off', () => {
    const rules = compileScrubRules(
      effectiveScrubSettings({ dataScrubber: false }, { defaults: true, ipAddresses: false }),
    );
    expect(scrubEvent(event(), rules)).toEqual(event());
  });

  it('honours safe fields and extra sensitive fields', () => {
    const rules = compileScrubRules(
      effectiveScrubSettings(
        { safeFields: ['apiKey'], sensitiveFields: ['email'] },
        { defaults: true, ipAddresses: false },
      ),
    );
    const e = scrubEvent(event(), rules);
    expect((e.extra as Record<string, unknown>).apiKey).toBe('k-123');
    expect(e.user!.email).toBe('[Filtered]');
  });

  it.each([
    ['Authorization', true],
    ['x-api-key', true],
    ['API_KEY', true],
    ['Cookie', true],
    ['set-cookie', true],
    ['csrfToken', true],
    ['user_password', true],
    ['credentials', true],
    ['page', false],
    ['amount', false],
    ['browser', false],
  ])('key %s is sensitive: %s', (key, sensitive) => {
    expect(isSensitiveKey(key, DEFAULT_SCRUB_RULES)).toBe(sensitive);
  });
});
