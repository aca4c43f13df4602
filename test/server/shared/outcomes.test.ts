// The outcome model (one outcome per item, mapped from drops and settled jobs), the counter's
// field encoding, the flood-lane signature, and the stats series shaping. Pure functions.
import { describe, expect, it } from 'vitest';
import { drop, itemCategory, outcomeOfDrop, type Drop } from '../../../server/src/shared/outcomes/outcomes.js';
import { hourOf, outcomeField, parseOutcomeField } from '../../../server/src/shared/outcomes/outcome-counter.js';
import { createFloodLane, eventSignature, FLOOD_PRIORITY } from '../../../ingest/src/flood-lane.js';
import { outcomeOfJob } from '../../../server/src/outcomes/worker.js';
import { buildLegacyStat, buildStats } from '../../../server/src/outcomes/series.js';

describe('outcomeOfDrop', () => {
  const limited: Drop = {
    ...drop('rate-limited', 429, 'x'),
    limits: [{ retryAfterSeconds: 5, categories: [], scope: 'project', reasonCode: 'project_quota' }],
  };
  it.each<[Drop, unknown]>([
    [limited, { outcome: 'rate_limited', reason: 'project_quota' }],
    [drop('queue-full', 429, 'x'), { outcome: 'rate_limited', reason: 'queue_full' }],
    [drop('invalid-envelope', 400, 'x'), { outcome: 'invalid', reason: 'invalid-envelope' }],
    [drop('disabled-key', 403, 'x'), { outcome: 'invalid', reason: 'disabled-key' }],
    [drop('queue-unavailable', 503, 'x'), { outcome: 'internal_error', reason: 'queue-unavailable' }],
    [drop('internal', 500, 'x'), { outcome: 'internal_error', reason: 'internal' }],
  ])('%j → %j', (d, expected) => {
    expect(outcomeOfDrop(d)).toEqual(expected);
  });

  it.each([
    ['event', 'error'],
    ['session', 'session'],
    ['sessions', 'session'],
    ['client_report', 'internal'],
    ['transaction', 'transaction'],
    ['raw_security', 'security'],
    ['replay_recording', 'replay'],
    ['whatever', 'default'],
  ])('item type %s counts as category %s', (type, category) => {
    expect(itemCategory(type)).toBe(category);
  });
});

describe('outcomeOfJob', () => {
  it.each<[Parameters<typeof outcomeOfJob>[0], Parameters<typeof outcomeOfJob>[1], unknown]>([
    [
      { kind: 'stored', eventId: 'e', issueId: '1' },
      { kind: 'stored', eventId: 'e', issueId: '1' },
      { outcome: 'accepted' },
    ],
    [
      { kind: 'sampled', eventId: 'e', issueId: '1' },
      { kind: 'sampled', eventId: 'e', issueId: '1' },
      { outcome: 'rate_limited', reason: 'spike_protection' },
    ],
    [
      { kind: 'filtered', eventId: 'e', reason: 'localhost' },
      { kind: 'filtered', eventId: 'e', reason: 'localhost' },
      { outcome: 'filtered', reason: 'localhost' },
    ],
    [
      { kind: 'invalid', message: 'parse' },
      { kind: 'invalid', message: 'parse' },
      { outcome: 'invalid', reason: 'invalid-event' },
    ],
    [
      { kind: 'failed', error: new Error('x') },
      { kind: 'invalid', message: 'gave up' },
      { outcome: 'internal_error', reason: 'processing-failed' },
    ],
    [
      { kind: 'dropped', reason: 'unknown-project' },
      { kind: 'dropped', reason: 'unknown-project' },
      { outcome: 'invalid', reason: 'unknown-project' },
    ],
    [{ kind: 'duplicate', eventId: 'e' }, { kind: 'duplicate', eventId: 'e' }, null],
    [{ kind: 'failed', error: new Error('x') }, { kind: 'failed', error: new Error('x') }, null],
  ])('%j then %j → %j', (before, after, expected) => {
    expect(outcomeOfJob(before, after)).toEqual(expected);
  });
});

describe('outcome counter fields', () => {
  it('round-trip and reject malformed fields', () => {
    const hour = hourOf(Date.parse('2026-11-26T03:59:59Z'));
    expect(hour).toBe(Date.parse('2026-11-26T03:00:00Z') / 1000);
    const field = outcomeField('42', hour, 'error', { outcome: 'filtered', reason: 'web-crawlers' });
    expect(parseOutcomeField(field, 3)).toEqual({
      projectId: '42',
      hour,
      category: 'error',
      outcome: 'filtered',
      reason: 'web-crawlers',
      quantity: 3,
    });
    expect(parseOutcomeField(outcomeField('42', hour, 'error', { outcome: 'accepted' }), 1)?.reason).toBe('');
    expect(parseOutcomeField('garbage', 1)).toBeNull();
  });
});

describe('flood lane', () => {
  const event = (type: string, fn: string) => ({
    exception: {
      values: [
        { type, value: `v ${Math.random()}`, stacktrace: { frames: [{ filename: 'a.js', function: fn, lineno: 3 }] } },
      ],
    },
  });
  it('signs events by innermost exception and top frame, else by message', () => {
    expect(eventSignature(event('TypeError', 'f'))).toBe(eventSignature(event('TypeError', 'f')));
    expect(eventSignature(event('TypeError', 'f'))).not.toBe(eventSignature(event('TypeError', 'g')));
    expect(eventSignature({ message: 'order 12 failed' })).toBe(
      eventSignature({ logentry: { formatted: 'order 977 failed' } }),
    );
    expect(eventSignature({ level: 'error' })).toBeNull();
  });

  it('lowers the priority of a repeated signature of a busy project only', () => {
    const lane = createFloodLane();
    const flood = JSON.stringify(event('FloodError', 'acquire'));
    const priorities = Array.from({ length: 200 }, () => lane.priorityOf('1', flood, 1_000));
    expect(priorities.slice(0, 20 + 60).every((p) => p === undefined)).toBe(true); // 20 before busy, 60 repeats allowed
    expect(priorities[20 + 60]).toBe(FLOOD_PRIORITY);
    expect(priorities.at(-1)).toBe(FLOOD_PRIORITY);
    expect(lane.priorityOf('1', JSON.stringify(event('Other', 'x')), 1_000)).toBeUndefined();
    expect(lane.priorityOf('2', flood, 1_000)).toBeUndefined(); // another project is not busy
    expect(lane.priorityOf('1', 'not json', 1_000)).toBeUndefined();
  });

  it('stays out of the way while the queue has no backlog', () => {
    let backlog = false;
    const lane = createFloodLane({ isBacklogged: () => backlog });
    const flood = JSON.stringify(event('FloodError', 'acquire'));
    expect(Array.from({ length: 200 }, () => lane.priorityOf('1', flood, 1_000)).every((p) => p === undefined)).toBe(
      true,
    );
    backlog = true;
    const priorities = Array.from({ length: 200 }, () => lane.priorityOf('1', flood, 1_000));
    expect(priorities[20 + 60]).toBe(FLOOD_PRIORITY); // counted from when the backlog began
  });
});

describe('stats series', () => {
  const rows = [
    { hour: '2026-11-26T01:00:00.000Z', outcome: 'accepted', reason: '', category: 'error', quantity: 5 },
    { hour: '2026-11-26T01:00:00.000Z', outcome: 'accepted', reason: '', category: 'error', quantity: 2 },
    { hour: '2026-11-26T03:00:00.000Z', outcome: 'filtered', reason: 'localhost', category: 'error', quantity: 4 },
    { hour: '2026-11-26T03:00:00.000Z', outcome: 'rate_limited', reason: 'key_quota', category: 'error', quantity: 1 },
    { hour: '2026-11-26T03:00:00.000Z', outcome: 'accepted', reason: '', category: 'session', quantity: 9 },
    { hour: '2026-11-20T03:00:00.000Z', outcome: 'accepted', reason: '', category: 'error', quantity: 100 }, // out of range
  ];
  const since = new Date('2026-11-26T00:30:00Z');
  const until = new Date('2026-11-26T03:10:00Z');

  it('buckets per hour and groups by outcome, reason and category', () => {
    const body = buildStats(rows, since, until, '1h');
    expect(body.intervals).toEqual([
      '2026-11-26T00:00:00.000Z',
      '2026-11-26T01:00:00.000Z',
      '2026-11-26T02:00:00.000Z',
      '2026-11-26T03:00:00.000Z',
    ]);
    expect(
      body.groups.find((g) => g.by.outcome === 'accepted' && g.by.category === 'error')?.series['sum(quantity)'],
    ).toEqual([0, 7, 0, 0]);
    expect(body.totals).toEqual({
      accepted: 16,
      filtered: 4,
      rate_limited: 1,
      invalid: 0,
      internal_error: 0,
      client_discard: 0,
    });
    expect(buildStats(rows, since, until, '1d').intervals).toEqual(['2026-11-26T00:00:00.000Z']);
  });

  it('answers Sentry legacy series for events only', () => {
    expect(buildLegacyStat(rows, since, until, '1h', 'received').map(([, n]) => n)).toEqual([0, 7, 0, 5]);
    expect(buildLegacyStat(rows, since, until, '1h', 'blacklisted').map(([, n]) => n)).toEqual([0, 0, 0, 4]);
    expect(buildLegacyStat(rows, since, until, '1h', 'rejected')[3]).toEqual([
      Date.parse('2026-11-26T03:00:00Z') / 1000,
      1,
    ]);
  });
});
