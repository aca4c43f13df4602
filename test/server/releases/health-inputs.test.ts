import { describe, expect, it } from 'vitest';
import { healthInputs } from '../../../server/src/releases/health-inputs.js';

const row = (serverName: string | null, release: string, isAfter: boolean, events: number) => ({
  serverName,
  release,
  isAfter,
  events,
});

describe('healthInputs', () => {
  const counts = [
    row('web-1', 'v1', false, 100),
    row('web-2', 'v1', false, 100),
    row('web-3', 'v1', false, 100),
    row(null, 'v1', false, 7),
    row('web-1', 'v2', true, 30),
    row('web-1', 'v1', true, 2),
    row('web-2', 'v1', true, 10),
    row(null, 'v2', true, 5),
  ];

  it('splits hosts by the release they ran after the deploy, each with its own history', () => {
    const i = healthInputs({
      counts,
      version: 'v2',
      beforeMinutes: 10,
      afterMinutes: 1,
      requestsBefore: null,
      requestsAfter: null,
    });
    expect(i.before).toEqual({ events: 307, minutes: 10, requests: null });
    expect(i.after).toEqual({ events: 47, minutes: 1, requests: null });
    expect(i.canary).toEqual({
      newRelease: {
        hosts: ['web-1'],
        before: { events: 100, minutes: 10, requests: null },
        after: { events: 32, minutes: 1, requests: null },
      },
      otherReleases: {
        hosts: ['web-2'],
        before: { events: 100, minutes: 10, requests: null },
        after: { events: 10, minutes: 1, requests: null },
      },
    });
  });

  it('places hosts that sent no errors by their request counts', () => {
    const requestsAfter = [
      { serverName: 'web-3', release: 'v2', requests: 900 },
      { serverName: 'web-1', release: 'v2', requests: 1000 },
      { serverName: 'web-2', release: 'v1', requests: 1100 },
    ];
    const i = healthInputs({
      counts,
      version: 'v2',
      beforeMinutes: 10,
      afterMinutes: 1,
      requestsBefore: null,
      requestsAfter,
    });
    expect(i.canary!.newRelease.hosts).toEqual(['web-1', 'web-3']);
    expect(i.canary!.newRelease.after).toEqual({ events: 32, minutes: 1, requests: 1900 });
    expect(i.after.requests).toBe(3000);
  });

  it('has no canary once every host runs the new release', () => {
    const i = healthInputs({
      counts: [row('web-1', 'v2', true, 3), row('web-1', 'v1', false, 3)],
      version: 'v2',
      beforeMinutes: 10,
      afterMinutes: 1,
      requestsBefore: null,
      requestsAfter: null,
    });
    expect(i.canary).toBeNull();
  });
});
