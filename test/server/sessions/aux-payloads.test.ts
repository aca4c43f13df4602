import { describe, expect, it } from 'vitest';
import {
  parseClientReport,
  parseSessionAggregates,
  parseSessionUpdate,
} from '../../../server/src/sessions/aux-payloads.js';

const ctx = { projectId: '7', receivedAt: Date.parse('2026-11-26T02:10:00Z') };
const attrs = { release: 'shop@1.4.2', environment: 'production' };

describe('parseSessionUpdate', () => {
  it.each([
    ['ok without errors', { status: 'ok', errors: 0 }, 'ok'],
    ['ok with errors → errored', { status: 'ok', errors: 1 }, 'errored'],
    ['exited with errors → errored', { status: 'exited', errors: 2 }, 'errored'],
    ['exited', { status: 'exited' }, 'exited'],
    ['crashed', { status: 'crashed', errors: 1 }, 'crashed'],
    ['abnormal', { status: 'abnormal' }, 'abnormal'],
    ['unhandled (browser SDK 10+) stays unhandled', { status: 'unhandled', errors: 1 }, 'unhandled'],
    ['no status → ok', {}, 'ok'],
  ])('%s', (_name, fields, status) => {
    const u = parseSessionUpdate({ sid: 's1', did: 'u1', started: '2026-11-26T01:59:19.022Z', attrs, ...fields }, ctx);
    expect(u).toEqual({
      projectId: '7',
      sid: 's1',
      did: 'u1',
      release: 'shop@1.4.2',
      environment: 'production',
      hour: '2026-11-26T01:00:00.000Z',
      minute: '2026-11-26T01:59:00.000Z',
      status,
    });
  });

  it.each([
    ['no sid', { started: 1, attrs }],
    ['no release', { sid: 's', attrs: { environment: 'x' } }],
    ['not an object', 'x'],
    ['an unknown status', { sid: 's', status: 'weird', attrs }],
    ['a negative duration', { sid: 's', duration: -3, attrs }],
    ['negative errors', { sid: 's', errors: -1, attrs }],
    ['a release over 200 characters', { sid: 's', attrs: { release: 'r'.repeat(201) } }],
  ])('drops an update with %s', (_name, payload) => {
    expect(parseSessionUpdate(payload, ctx)).toBeNull();
  });
});

describe('parseSessionAggregates', () => {
  it("counts each status per started hour and minute, and the aggregate's user at its worst status", () => {
    const parsed = parseSessionAggregates(
      { aggregates: [{ started: '2026-11-26T01:59:00Z', did: 'u9', exited: 3, crashed: 1, errored: 0 }], attrs },
      ctx,
    );
    const bucket = {
      projectId: '7',
      release: 'shop@1.4.2',
      environment: 'production',
      hour: '2026-11-26T01:00:00.000Z',
      minute: '2026-11-26T01:59:00.000Z',
    };
    expect(parsed).toEqual({
      counts: [
        { ...bucket, status: 'exited', count: 3 },
        { ...bucket, status: 'crashed', count: 1 },
      ],
      users: [
        {
          projectId: '7',
          release: 'shop@1.4.2',
          environment: 'production',
          hour: '2026-11-26T01:00:00.000Z',
          did: 'u9',
          rank: 5,
        },
      ],
    });
  });

  it.each([
    ['a negative count', { aggregates: [{ started: '2026-11-26T01:59:00Z', exited: 3, crashed: -1 }], attrs }],
    ['a junk aggregate', { aggregates: [{ started: '2026-11-26T01:59:00Z', exited: 3 }, 'junk'], attrs }],
    ['no aggregates', { aggregates: [], attrs }],
    ['a release over 200 characters', { aggregates: [{ exited: 1 }], attrs: { release: 'r'.repeat(201) } }],
  ])('drops aggregates with %s whole', (_name, payload) => {
    expect(parseSessionAggregates(payload, ctx)).toBeNull();
  });
});

describe('parseClientReport', () => {
  it.each([
    ['numeric timestamp', 1795658359.5, '2026-11-26T01:00:00.000Z'],
    ['string timestamp', '2026-11-26T01:30:00Z', '2026-11-26T01:00:00.000Z'],
    ['no timestamp → received', undefined, '2026-11-26T02:00:00.000Z'],
  ])('%s', (_name, timestamp, hour) => {
    const rows = parseClientReport(
      {
        timestamp,
        discarded_events: [
          { reason: 'queue_overflow', category: 'error', quantity: 23.7 },
          { reason: 'r', category: 'c', quantity: -1 },
          { category: 'c', quantity: 1 },
        ],
      },
      ctx,
    );
    expect(rows).toEqual([{ projectId: '7', hour, reason: 'queue_overflow', category: 'error', quantity: 23 }]);
  });
});
