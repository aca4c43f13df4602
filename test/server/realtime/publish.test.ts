import { describe, expect, it } from 'vitest';
import { buildEventMessages, type StoredEventSummary } from '../../../server/src/realtime/publish.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');

const stored = (over: Partial<StoredEventSummary> = {}): StoredEventSummary => ({
  projectId: '1',
  eventId: 'e1',
  issueId: '10',
  timestamp: NOW / 1000 - 2,
  title: 'TypeError: x',
  level: 'error',
  release: 'web@1.0',
  environment: 'production',
  isNewIssue: true,
  isRegression: false,
  receivedAt: NOW - 300,
  serverName: 'web-1',
  ...over,
});

describe('buildEventMessages', () => {
  it('builds compact summaries grouped by organization', () => {
    const out = buildEventMessages(
      [
        stored(),
        stored({ eventId: 'e2', issueId: '11', isNewIssue: false, isRegression: true }),
        stored({ eventId: 'e3', issueId: '99' }),
      ],
      [
        {
          issueId: '10',
          shortId: 'WEB-1',
          culprit: 'charge(app.js)',
          projectId: '1',
          projectSlug: 'web',
          organizationId: 'o1',
        },
        { issueId: '11', shortId: 'API-4', culprit: '', projectId: '2', projectSlug: 'api', organizationId: 'o2' },
      ],
      NOW,
    );
    expect([...out.keys()]).toEqual(['o1', 'o2']); // e3's issue is gone: skipped
    expect(out.get('o1')).toEqual([
      {
        type: 'EventCreate',
        eventId: 'e1',
        project: { id: '1', slug: 'web' },
        issue: {
          id: '10',
          shortId: 'WEB-1',
          title: 'TypeError: x',
          culprit: 'charge(app.js)',
          isNew: true,
          isRegression: false,
        },
        level: 'error',
        release: 'web@1.0',
        environment: 'production',
        serverName: 'web-1',
        timestamp: '2026-11-26T11:59:58.000Z',
        receivedAt: '2026-11-26T11:59:59.700Z',
        publishedAt: '2026-11-26T12:00:00.000Z',
      },
    ]);
    expect(out.get('o2')![0]!.issue.isRegression).toBe(true);
  });
});
