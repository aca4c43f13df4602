import { describe, expect, it } from 'vitest';
import {
  AGGREGATE_WINDOW_MS,
  MAX_ROWS,
  applyMessages,
  clockOffset,
  emptyStream,
  eventRate,
  summarizeLags,
} from './stream.js';
import type { DeployCreateMessage, EventCreateMessage } from './types.js';

const T0 = Date.parse('2026-11-26T12:00:00Z');

function ev(
  id: string,
  issueId: string,
  opts: Partial<{ receivedAt: number; isNew: boolean; isRegression: boolean }> = {},
): EventCreateMessage {
  return {
    type: 'EventCreate',
    eventId: id,
    project: { id: '1', slug: 'web' },
    issue: {
      id: issueId,
      shortId: `WEB-${issueId}`,
      title: 'Error: boom',
      culprit: 'app.js',
      isNew: opts.isNew ?? false,
      isRegression: opts.isRegression ?? false,
    },
    level: 'error',
    release: '1.0.0',
    environment: 'production',
    serverName: 'web-1',
    timestamp: new Date(T0).toISOString(),
    receivedAt: new Date(opts.receivedAt ?? T0).toISOString(),
    publishedAt: new Date(T0).toISOString(),
  };
}

const deploy: DeployCreateMessage = {
  type: 'DeployCreate',
  deploy: {
    id: '7',
    release: '1.0.1',
    environment: 'production',
    name: null,
    url: null,
    dateStarted: null,
    dateFinished: new Date(T0).toISOString(),
    projects: ['web'],
  },
  publishedAt: new Date(T0).toISOString(),
};

describe('applyMessages', () => {
  it('adds rows newest first and counts events', () => {
    const s = applyMessages(emptyStream(), [ev('a', '1'), ev('b', '2')], T0);
    expect(s.rows.map((r) => r.key)).toEqual(['e-b', 'e-a']);
    expect(s.total).toBe(2);
  });

  it('aggregates events of one issue within the window into one row', () => {
    let s = applyMessages(emptyStream(), [ev('a', '1')], T0);
    s = applyMessages(s, [ev('b', '2'), ev('c', '1', { isNew: false })], T0 + 100);
    expect(s.rows).toHaveLength(2);
    const top = s.rows[0]!;
    expect(top.kind === 'event' && top.count).toBe(2);
    expect(top.kind === 'event' && top.event.eventId).toBe('c');
  });

  it('starts a new row once the window has passed', () => {
    let s = applyMessages(emptyStream(), [ev('a', '1')], T0);
    s = applyMessages(s, [ev('b', '1')], T0 + AGGREGATE_WINDOW_MS + 1);
    expect(s.rows).toHaveLength(2);
  });

  it('keeps the new-issue and regression badges when aggregating', () => {
    let s = applyMessages(emptyStream(), [ev('a', '1', { isNew: true })], T0);
    s = applyMessages(s, [ev('b', '1'), ev('c', '1', { isRegression: true })], T0 + 10);
    const top = s.rows[0]!;
    expect(top.kind === 'event' && [top.isNew, top.isRegression, top.count]).toEqual([true, true, 3]);
  });

  it('never merges across a deploy marker', () => {
    let s = applyMessages(emptyStream(), [ev('a', '1')], T0);
    s = applyMessages(s, [deploy, ev('b', '1')], T0 + 10);
    expect(s.rows.map((r) => r.kind)).toEqual(['event', 'deploy', 'event']);
  });

  it('stays bounded at hundreds of events per second', () => {
    let s = emptyStream();
    for (let sec = 0; sec < 5; sec++) {
      const batch = Array.from({ length: 500 }, (_, i) => ev(`${sec}-${i}`, String(i % 400)));
      s = applyMessages(s, batch, T0 + sec * 1000);
    }
    expect(s.rows.length).toBeLessThanOrEqual(MAX_ROWS);
    expect(s.total).toBe(2500);
    expect(eventRate(s, T0 + 4000)).toBeGreaterThanOrEqual(400);
  });

  it('measures lag on the server clock when the browser clock is off', () => {
    const offset = clockOffset(new Date(T0 + 5000).toISOString(), T0); // server is 5 s ahead
    const s = applyMessages(emptyStream(), [ev('a', '1', { receivedAt: T0 + 5000 - 150 })], T0, offset);
    expect(s.lags).toEqual([150]);
  });

  it('treats a small hello difference as transit time, not skew', () => {
    expect(clockOffset(new Date(T0 - 300).toISOString(), T0)).toBe(0);
    expect(clockOffset('garbage', T0)).toBe(0);
  });
});

describe('summarizeLags', () => {
  it('reports last, median and max', () => {
    expect(summarizeLags([30, 10, 20, 100])).toEqual({ last: 100, p50: 20, max: 100 });
    expect(summarizeLags([])).toEqual({ last: null, p50: null, max: null });
  });
});
