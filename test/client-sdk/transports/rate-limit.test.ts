import { describe, expect, it } from 'vitest';
import { isRateLimited, parseRetryAfterHeader, updateRateLimits } from '../../../client-sdk/src/index.js';

const NOW = 1_700_000_000_000;

describe('updateRateLimits', () => {
  it.each([
    ['60:error:key', { error: NOW + 60_000 }],
    ['60::organization', { all: NOW + 60_000 }],
    [
      '2700:default;error;security:organization',
      { default: NOW + 2_700_000, error: NOW + 2_700_000, security: NOW + 2_700_000 },
    ],
    ['60:error:key, 120:transaction:org:quota', { error: NOW + 60_000, transaction: NOW + 120_000 }],
    ['0.5:error:key', { error: NOW + 500 }],
    ['soon:error:key', { error: NOW + 60_000 }],
    ['2700:metric_bucket:organization:quota_exceeded:custom', { metric_bucket: NOW + 2_700_000 }],
  ])('reads X-Sentry-Rate-Limits %j', (header, expected) => {
    expect(updateRateLimits({}, { statusCode: 429, rateLimits: header, retryAfter: '5' }, NOW)).toEqual(expected);
  });

  it.each([
    [{ statusCode: 429, retryAfter: '30' }, { all: NOW + 30_000 }],
    [{ statusCode: 429, retryAfter: new Date(NOW + 90_000).toUTCString() }, { all: NOW + 90_000 }],
    [{ statusCode: 429 }, { all: NOW + 60_000 }],
    [{ statusCode: 200 }, {}],
    [{ statusCode: 200, rateLimits: '3600:transaction:organization' }, { transaction: NOW + 3_600_000 }],
  ])('falls back to Retry-After, then to 60 s for a bare 429: %j', (response, expected) => {
    expect(updateRateLimits({}, response, NOW)).toEqual(expected);
  });

  it('keeps existing limits and never shortens them', () => {
    const limits = updateRateLimits({ error: NOW + 100_000, session: NOW + 5 }, { rateLimits: '10:error:key' }, NOW);
    expect(limits).toEqual({ error: NOW + 100_000, session: NOW + 5 });
  });
});

describe('parseRetryAfterHeader', () => {
  it.each([
    ['10', 10_000],
    ['1.5', 1_500],
    [new Date(NOW + 4_000).toUTCString(), 4_000],
    [new Date(NOW - 4_000).toUTCString(), 0],
    ['garbage', 60_000],
  ])('%s → %d ms', (header, ms) => {
    expect(parseRetryAfterHeader(header, NOW)).toBe(ms);
  });
});

describe('isRateLimited', () => {
  it('applies a category limit and the "all" limit until they expire', () => {
    const limits = { error: NOW + 1_000, all: NOW + 500 };
    expect(isRateLimited(limits, 'error', NOW + 999)).toBe(true);
    expect(isRateLimited(limits, 'error', NOW + 1_000)).toBe(false);
    expect(isRateLimited(limits, 'counter', NOW + 499)).toBe(true);
    expect(isRateLimited(limits, 'counter', NOW + 500)).toBe(false);
  });
});
