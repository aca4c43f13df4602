// Test inputs for the grouping tests: Sentry's own grouping fixtures (with the hashes Sentry
// computes for them) and real SDK captures, turned into the NormalizedEvent shape.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { GroupingOptions } from '../../server/src/grouping/index.js';
import type { NormalizedEvent } from '../../server/src/shared/protocol/event.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');

/** A NormalizedEvent from a partial payload (what the normalize stage would have filled in). */
export function makeEvent(partial: Record<string, unknown>): NormalizedEvent {
  const tags =
    partial.tags && !Array.isArray(partial.tags)
      ? Object.entries(partial.tags as Record<string, string>)
      : (partial.tags ?? []);
  const event = { event_id: '0'.repeat(32), timestamp: 0, received: 0, level: 'error', ...partial, tags } as Record<
    string,
    unknown
  >;
  // SDKs send `message` as a string; the normalize stage turns it into a log entry.
  if (typeof partial.message === 'string' && !partial.logentry) event.logentry = { formatted: partial.message };
  return event as unknown as NormalizedEvent;
}

interface ExpectedEntry {
  hashes: string[];
  hash_basis: string;
  previous_config: { hashes: string[] };
}

export interface SentryFixture {
  name: string;
  event: NormalizedEvent;
  options: GroupingOptions;
  expected: ExpectedEntry;
}

type RawRule = { matchers: Array<[string, string]>; fingerprint: string[] };

/** Sentry's test-harness rule objects, as the rule text a project would configure. */
export function fingerprintRulesText(rules: RawRule[]): string {
  return rules
    .map(
      (r) =>
        `${r.matchers.map(([k, v]) => `${k}:${JSON.stringify(v)}`).join(' ')} -> ${r.fingerprint.map((f) => JSON.stringify(f)).join(' ')}`,
    )
    .join('\n');
}

export function loadSentryFixtures(): SentryFixture[] {
  const dir = join(FIXTURES, 'sentry-grouping');
  const expected = JSON.parse(readFileSync(join(dir, 'sentry-expected.json'), 'utf8')) as Record<string, ExpectedEntry>;
  return readdirSync(join(dir, 'sentry-inputs'))
    .sort()
    .map((name) => {
      const raw = JSON.parse(readFileSync(join(dir, 'sentry-inputs', name), 'utf8')) as Record<string, unknown> & {
        _grouping?: { enhancements?: string };
        _fingerprinting_rules?: RawRule[];
      };
      // The harness keys are project settings, passed as options like the worker does.
      const options: GroupingOptions = {
        ...(raw._grouping?.enhancements ? { enhancements: raw._grouping.enhancements } : {}),
        ...(raw._fingerprinting_rules ? { fingerprintRules: fingerprintRulesText(raw._fingerprinting_rules) } : {}),
      };
      return { name, event: makeEvent(raw), options, expected: expected[name]! };
    });
}

/** The event payload of a recorded SDK request (envelope item or gzip'd store body). */
export function sdkEvent(file: string): NormalizedEvent {
  const capture = JSON.parse(readFileSync(join(FIXTURES, 'sdk-captures', file), 'utf8')) as {
    headers: Record<string, string>;
    body_base64: string;
  };
  let body = Buffer.from(capture.body_base64, 'base64');
  if (capture.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
  const text = body.toString('utf8');
  const lines = text.split('\n');
  for (let i = 1; i < lines.length - 1; i++) {
    if (lines[i]!.includes('"type":"event"')) return makeEvent(JSON.parse(lines[i + 1]!) as Record<string, unknown>);
  }
  return makeEvent(JSON.parse(text) as Record<string, unknown>);
}
