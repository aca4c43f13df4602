// The pure parts of feature flags: bounding the flags context, suspect-flag scoring, the
// flag-change verdict and the webhook's signature check.
import { describe, expect, it } from 'vitest';
import { boundFlagsContext, eventFlags } from '../../../server/src/flags/evaluations.js';
import { flagRows, scoreSuspectFlags } from '../../../server/src/flags/suspect.js';
import { decideChangeVerdict, type ChangeInputs } from '../../../server/src/flags/change-verdict.js';
import { isValidSignature, signBody } from '../../../server/src/flags/webhook.js';
import type { NormalizedEvent } from '../../../server/src/shared/protocol/event.js';

const event = (flags: unknown): NormalizedEvent =>
  ({
    event_id: 'e',
    timestamp: 1,
    received: 1,
    platform: 'node',
    level: 'error',
    tags: [],
    contexts: { flags: { type: 'flags', values: flags } },
  }) as NormalizedEvent;

describe('boundFlagsContext / eventFlags', () => {
  it.each([
    ['a string', 'on', [], 'must be a list'],
    ['an object', { a: true }, [], 'must be a list'],
    [
      'entries without names or with objects as results',
      [{ result: true }, { flag: 'x', result: { a: 1 } }, { flag: 'ok', result: 'blue' }],
      [['ok', 'blue']],
      '2 flag evaluation(s) dropped',
    ],
  ])('keeps only valid evaluations of %s and says why', (_name, values, expected, reason) => {
    const e = event(values);
    boundFlagsContext(e);
    expect(eventFlags(e)).toEqual(expected);
    expect(JSON.stringify(e.errors)).toContain(reason);
  });

  it('keeps the last 100 of 10,000, the newest evaluation of a flag winning', () => {
    const values = [...Array.from({ length: 10_000 }, (_, i) => ({ flag: `f${i % 150}`, result: i % 2 === 0 }))];
    const e = event(values);
    boundFlagsContext(e);
    const flags = eventFlags(e);
    expect(flags).toHaveLength(100);
    expect(flags.at(-1)).toEqual(['f99', 'false']); // i = 9999 → f99, odd
    expect(new Set(flags.map(([f]) => f)).size).toBe(100);
  });

  it('notes a flags context that is not an object (normalize has already dropped it)', () => {
    const e = { ...event([]), contexts: {} } as NormalizedEvent;
    boundFlagsContext(e, 'new-checkout=true');
    expect(eventFlags(e)).toEqual([]);
    expect(e.errors).toEqual([
      {
        type: 'invalid_data',
        name: 'contexts.flags',
        reason: 'contexts.flags must be an object {"values": [...]}, got string',
      },
    ]);
    const none = { ...event([]), contexts: {} } as NormalizedEvent;
    boundFlagsContext(none, undefined);
    expect(none.errors).toBeUndefined();
  });

  it('drops a 10 KB flag name instead of cutting it', () => {
    const e = event([
      { flag: 'x'.repeat(10_240), result: true },
      { flag: 'y', result: true },
    ]);
    boundFlagsContext(e);
    expect(eventFlags(e)).toEqual([['y', 'true']]);
  });
});

describe('scoreSuspectFlags', () => {
  const rows = (issue: Record<string, Record<string, number>>, project: Record<string, Record<string, number>>) =>
    flagRows(
      Object.entries(issue).flatMap(([flag, r]) =>
        Object.entries(r).map(([result, count]) => ({ flag, result, count })),
      ),
      Object.entries(project).flatMap(([flag, r]) =>
        Object.entries(r).map(([result, count]) => ({ flag, result, count })),
      ),
    );

  it('suspects a flag whose true share in the issue differs from the rest of the project, not an unrelated one', () => {
    const scores = scoreSuspectFlags(
      rows(
        { 'new-checkout': { true: 20 }, 'dark-mode': { true: 10, false: 10 } },
        { 'new-checkout': { true: 40, false: 20 }, 'dark-mode': { true: 30, false: 30 } },
      ),
    );
    expect(scores[0]).toMatchObject({
      flag: 'new-checkout',
      isSuspect: true,
      score: 0.5,
      baseline_percent: 0.5,
      distribution: { outliers: { true: 1 }, baseline: { true: 0.5, false: 0.5 } },
    });
    expect(scores[1]).toMatchObject({ flag: 'dark-mode', isSuspect: false, is_filtered: true, score: 0 });
  });

  it.each([
    ['too few issue events', { f: { true: 5 } }, { f: { true: 55, false: 50 } }],
    ['no baseline', { f: { true: 20 } }, { f: { true: 20 } }],
    ['a small difference', { f: { true: 55, false: 45 } }, { f: { true: 555, false: 545 } }],
  ])('does not suspect with %s', (_n, issue, project) => {
    expect(scoreSuspectFlags(rows(issue, project))[0]!.isSuspect).toBe(false);
  });
});

describe('decideChangeVerdict', () => {
  const base: ChangeInputs = {
    flag: 'f',
    minutesSinceChange: 20,
    beforeMinutes: 20,
    afterMinutes: 20,
    overall: { before: 40, after: 100, newIssuesBefore: 0, newIssuesAfter: 0 },
    byResult: [],
    newIssues: [],
  };
  it.each([
    [
      'errors rise only with true',
      [
        { result: 'true', before: 20, after: 80 },
        { result: 'false', before: 20, after: 20 },
      ],
      'failing',
      'flag-side',
    ],
    [
      'errors rise on both sides',
      [
        { result: 'true', before: 20, after: 80 },
        { result: 'false', before: 20, after: 80 },
      ],
      'healthy',
      'spike-all-sides',
    ],
    [
      'traffic moved from false to true',
      [
        { result: 'true', before: 20, after: 80 },
        { result: 'false', before: 80, after: 20 },
      ],
      'suspect',
      'flag-side',
    ],
    ['only one side exists', [{ result: 'true', before: 20, after: 80 }], 'suspect', 'flag-side'],
    [
      'nothing moves',
      [
        { result: 'true', before: 20, after: 22 },
        { result: 'false', before: 20, after: 19 },
      ],
      'healthy',
      undefined,
    ],
  ])('%s', (_n, byResult, verdict, code) => {
    void _n;
    const v = decideChangeVerdict({ ...base, byResult });
    expect(v.verdict).toBe(verdict);
    expect(v.reasons[0]?.code).toBe(code);
  });

  it('a side that had no errors before reads as a count, not as a huge factor', () => {
    const v = decideChangeVerdict({
      ...base,
      afterMinutes: 0.5,
      byResult: [
        { result: 'true', before: 0, after: 40 },
        { result: 'false', before: 20, after: 1 },
      ],
    });
    expect(v.reasons[0]!.message).toMatch(
      /^errors with f=true: 40 after the change, none before; with false: unchanged; with true: 40, none before$/,
    );
    expect(v.reasons[0]!.message).not.toMatch(/×\d{3,}/);
  });

  it('a new issue whose events all carry one result of the flag fails the change', () => {
    const v = decideChangeVerdict({
      ...base,
      newIssues: [{ issueId: '1', shortId: 'P-1', title: 'boom', events: 12, results: { true: 12 } }],
    });
    expect(v.verdict).toBe('failing');
    expect(v.reasons.find((r) => r.code === 'new-issue')!.message).toContain('100 % with f=true');
  });
});

describe('webhook signature', () => {
  it('accepts the hex HMAC-SHA256 of the exact body only', () => {
    const body = Buffer.from('{"data":[],"meta":{"version":1}}');
    expect(isValidSignature('secret-0123456789', body, signBody('secret-0123456789', body))).toBe(true);
    expect(isValidSignature('secret-0123456789', body, signBody('secret-0123456789', body).toUpperCase())).toBe(true);
    expect(isValidSignature('secret-0123456789', Buffer.from(`${body} `), signBody('secret-0123456789', body))).toBe(
      false,
    );
    expect(isValidSignature('secret-0123456789', body, undefined)).toBe(false);
    expect(isValidSignature('secret-0123456789', body, 'x'.repeat(10_000))).toBe(false);
  });
});
