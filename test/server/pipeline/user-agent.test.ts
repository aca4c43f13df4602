// Browser, OS and device contexts (and so the browser/os/device tags) derived from the request's
// User-Agent when the SDK did not send them, as Relay does.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventTags } from '../../../server/src/events/tags.js';
import { normalizeEvent } from '../../../server/src/pipeline/normalize.js';

const norm = (raw: Record<string, unknown>) =>
  normalizeEvent(raw, { eventId: 'a'.repeat(32), receivedAt: Date.parse('2026-11-26T02:00:00Z') });
const withUa = (ua: string, extra: Record<string, unknown> = {}) =>
  norm({ message: 'x', request: { url: 'https://shop.example/', headers: { 'User-Agent': ua } }, ...extra });
const tags = (raw: Record<string, unknown>) => Object.fromEntries(eventTags(norm(raw)));

const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

describe('User-Agent contexts', () => {
  it('derives browser and os, and their tags', () => {
    expect(withUa(FIREFOX_WINDOWS).contexts).toEqual({
      browser: { type: 'browser', name: 'Firefox', version: '132.0' },
      os: { type: 'os', name: 'Windows', version: '10' },
    });
    expect(tags({ message: 'x', request: { headers: [['user-agent', FIREFOX_WINDOWS]] } })).toMatchObject({
      browser: 'Firefox 132.0',
      'browser.name': 'Firefox',
      os: 'Windows 10',
      'os.name': 'Windows',
    });
  });

  it('derives the device of a phone', () => {
    expect(withUa(SAFARI_IPHONE).contexts).toMatchObject({
      browser: { name: 'Mobile Safari', version: '17.1' },
      os: { name: 'iOS', version: '17.1' },
      device: { model: 'iPhone', brand: 'Apple' },
    });
    expect(eventTags(withUa(SAFARI_IPHONE))).toContainEqual(['device', 'iPhone']);
  });

  it("keeps what the SDK sent (a Node server's own os) and adds only what is missing", () => {
    const e = withUa(FIREFOX_WINDOWS, {
      contexts: { os: { name: 'Linux', version: '6.1' }, runtime: { name: 'node', version: 'v20.20.2' } },
    });
    expect(e.contexts?.os).toEqual({ name: 'Linux', version: '6.1', type: 'os' });
    expect(e.contexts?.browser).toMatchObject({ name: 'Firefox' });
  });

  it('adds nothing without a User-Agent, or for one that names no browser', () => {
    expect(norm({ message: 'x' }).contexts).toBeUndefined();
    expect(withUa('curl/8.4.0').contexts).toBeUndefined();
    expect(withUa('x'.repeat(100_000)).contexts).toBeUndefined();
  });

  it('tags the recorded @sentry/browser event with its Chromium', () => {
    const capture = JSON.parse(
      readFileSync(
        new URL('../../fixtures/sdk-captures/browser-sdk-11.12/02-event-minified-typeerror.json', import.meta.url),
        'utf8',
      ),
    ) as { body_base64: string };
    const [, , item] = Buffer.from(capture.body_base64, 'base64').toString('utf8').split('\n');
    const t = tags(JSON.parse(item!) as Record<string, unknown>);
    expect(t['browser.name']).toMatch(/Chrom/);
    expect(t['os.name']).toBe('Linux');
  });
});
