import { describe, expect, it } from 'vitest';
import { issueUpdateSchema, parseAssignee, planStatusChange } from '../../../server/src/issues/status-update.js';

const now = new Date('2026-03-01T12:00:00Z');
const plan = (body: unknown) => planStatusChange(issueUpdateSchema.parse(body), now);

describe('planStatusChange', () => {
  it('returns null when the status is not changed', () => {
    expect(plan({ assignedTo: 'user:1' })).toBeNull();
  });

  it.each([
    [{ status: 'resolved' }, 'resolved', null, {}],
    [{ status: 'resolved', statusDetails: { inRelease: 'web@2.0.0' } }, 'resolved', null, { inRelease: 'web@2.0.0' }],
    [{ status: 'resolved', statusDetails: { inNextRelease: true } }, 'resolved', null, { inNextRelease: true }],
    [{ status: 'resolvedInNextRelease' }, 'resolved', null, { inNextRelease: true }],
    [{ status: 'unresolved' }, 'unresolved', 'ongoing', null],
  ])('%j → %s', (body, status, substatus, resolution) => {
    const c = plan(body)!;
    expect(c.status).toBe(status);
    expect(c.substatus).toBe(substatus);
    expect(c.resolution).toEqual(resolution);
    expect(c.ignoreUntil).toBeNull();
  });

  it.each(['ignored', 'muted', 'archived'])('%s ignores forever without conditions', (status) => {
    const c = plan({ status })!;
    expect(c).toMatchObject({ status: 'ignored', substatus: 'archived_forever', ignoreDetails: {}, ignoreUntil: null });
  });

  it('accepts sentry-cli mute body (snoozeDuration null)', () => {
    expect(plan({ status: 'muted', snoozeDuration: null })).toMatchObject({
      status: 'ignored',
      substatus: 'archived_forever',
    });
  });

  it('ignores for a duration in minutes', () => {
    const c = plan({ status: 'ignored', statusDetails: { ignoreDuration: 30 } })!;
    expect(c.substatus).toBe('archived_until_condition_met');
    expect(c.ignoreUntil).toEqual(new Date('2026-03-01T12:30:00Z'));
    expect(c.ignoreDetails).toEqual({ ignoreDuration: 30, ignoreUntil: '2026-03-01T12:30:00.000Z' });
  });

  it('ignores until N more events or users', () => {
    const c = plan({ status: 'ignored', statusDetails: { ignoreCount: 100, ignoreWindow: 60, ignoreUserCount: 5 } })!;
    expect(c).toMatchObject({
      ignoreCountDelta: 100,
      ignoreUserCountDelta: 5,
      substatus: 'archived_until_condition_met',
    });
    expect(c.ignoreDetails).toMatchObject({ ignoreCount: 100, ignoreWindow: 60, ignoreUserCount: 5 });
  });

  it('ignores until escalating', () => {
    expect(plan({ status: 'ignored', substatus: 'archived_until_escalating' })!.substatus).toBe(
      'archived_until_escalating',
    );
  });

  it('rejects unknown statuses', () => {
    expect(() => issueUpdateSchema.parse({ status: 'closed' })).toThrow();
  });
});

describe('parseAssignee', () => {
  it.each([
    [null, { kind: 'none' }],
    ['', { kind: 'none' }],
    ['user:42', { kind: 'user', id: '42' }],
    ['42', { kind: 'user', id: '42' }],
    ['dev@example.com', { kind: 'email', email: 'dev@example.com' }],
    ['team:3', { kind: 'team', id: '3' }],
    [' team:3 ', { kind: 'team', id: '3' }],
    ['team:web', null],
    ['team:', null],
  ])('%j', (value, expected) => {
    expect(parseAssignee(value)).toEqual(expected);
  });
});
