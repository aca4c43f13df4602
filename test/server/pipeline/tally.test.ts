import { describe, expect, it } from 'vitest';
import { tally } from '../../../server/src/pipeline/tally.js';
import type { AssignedEvent } from '../../../server/src/pipeline/prepared.js';

const HOUR = Date.parse('2026-11-26T01:00:00Z') / 1000;

function assigned(
  issueId: string,
  ts: number,
  extra: { release?: string; user?: string; isNewIssue?: boolean; title?: string } = {},
): AssignedEvent {
  const tags: Array<[string, string]> = [['level', 'error']];
  if (extra.user) tags.push(['user', extra.user]);
  tags.push(['empty', '']);
  return {
    projectId: '10',
    eventId: `${issueId}-${ts}`,
    receivedAt: ts * 1000,
    issueId,
    isNewIssue: extra.isNewIssue ?? false,
    event: {
      event_id: 'x',
      timestamp: ts,
      received: ts,
      platform: 'node',
      level: 'error',
      tags: [],
      release: extra.release,
      environment: 'prod',
    },
    grouping: { hashes: ['h'], basis: 'stacktrace', variants: [] },
    summary: { title: extra.title ?? 'T', culprit: '', type: 'error', metadata: {} },
    tags,
    userKey: extra.user,
  };
}

describe('tally', () => {
  const t = tally([
    assigned('2', HOUR + 3600 + 5, { release: 'r2', title: 'newest', user: 'id:1' }),
    assigned('2', HOUR + 10, { release: 'r1', isNewIssue: true, user: 'id:1' }),
    assigned('10', HOUR + 20, { release: 'r1' }),
  ]);

  it('aggregates one delta per issue, sorted by numeric id, latest event last', () => {
    expect(
      t.issues.map((d) => [
        d.issueId,
        d.eventCount,
        d.firstSeen - HOUR,
        d.lastSeen - HOUR,
        d.latest.summary.title,
        d.firstRelease,
      ]),
    ).toEqual([
      ['2', 2, 10, 3605, 'newest', 'r1'],
      ['10', 1, 20, 20, 'T', 'r1'],
    ]);
  });

  it('counts per hour and per non-empty tag value with first/last seen', () => {
    expect(t.hourly).toEqual([
      { issueId: '2', hour: '2026-11-26T01:00:00.000Z', count: 1 },
      { issueId: '2', hour: '2026-11-26T02:00:00.000Z', count: 1 },
      { issueId: '10', hour: '2026-11-26T01:00:00.000Z', count: 1 },
    ]);
    expect(t.tags.filter((r) => r.issueId === '2')).toEqual([
      {
        issueId: '2',
        key: 'level',
        value: 'error',
        count: 2,
        firstSeen: '2026-11-26T01:00:10.000Z',
        lastSeen: '2026-11-26T02:00:05.000Z',
      },
      {
        issueId: '2',
        key: 'user',
        value: 'id:1',
        count: 2,
        firstSeen: '2026-11-26T01:00:10.000Z',
        lastSeen: '2026-11-26T02:00:05.000Z',
      },
    ]);
  });

  it('collects releases (with new issues) and environments per project', () => {
    expect(t.releases.map((r) => [r.version, r.firstEventAt, r.lastEventAt, r.newIssueCount])).toEqual([
      ['r1', '2026-11-26T01:00:10.000Z', '2026-11-26T01:00:20.000Z', 1],
      ['r2', '2026-11-26T02:00:05.000Z', '2026-11-26T02:00:05.000Z', 0],
    ]);
    expect(t.environments).toEqual([
      { projectId: '10', name: 'prod', firstSeen: '2026-11-26T01:00:10.000Z', lastSeen: '2026-11-26T02:00:05.000Z' },
    ]);
  });
});
