import { describe, expect, it } from 'vitest';
import {
  initialIssueState,
  nextStatusOnEvent,
  nextStatusOnEvents,
  type IssueState,
} from '../../../server/src/issues/state.js';

const now = new Date('2026-11-26T02:00:00Z');
const event = { timestamp: new Date('2026-11-26T01:59:00Z'), release: 'shop@1.4.2' };
const state = (s: Partial<IssueState>): IssueState => ({
  status: 'unresolved',
  substatus: null,
  resolvedAt: null,
  resolvedInRelease: null,
  ...s,
});

describe('nextStatusOnEvent', () => {
  it.each([
    [
      'resolved regresses',
      state({ status: 'resolved', resolvedAt: new Date('2026-11-25T00:00:00Z'), resolvedInRelease: 'shop@1.4.1' }),
      { status: 'unresolved', substatus: 'regressed', resolvedAt: null, resolvedInRelease: null, isRegression: true },
    ],
    [
      'ignored stays ignored',
      state({ status: 'ignored', substatus: 'archived_forever' }),
      { status: 'ignored', substatus: 'archived_forever', isRegression: false },
    ],
    [
      'unresolved new stays new',
      state({ substatus: 'new' }),
      { status: 'unresolved', substatus: 'new', isRegression: false },
    ],
    [
      'unresolved regressed stays regressed',
      state({ substatus: 'regressed' }),
      { status: 'unresolved', substatus: 'regressed', isRegression: false },
    ],
  ])('%s', (_name, issue, expected) => {
    expect(nextStatusOnEvent(issue, event, now)).toMatchObject(expected);
  });

  it('folds a batch: a resolved issue regresses once', () => {
    const next = nextStatusOnEvents(state({ status: 'resolved' }), [event, event, event], now);
    expect(next).toMatchObject({ status: 'unresolved', substatus: 'regressed', isRegression: true });
  });

  it('starts new issues as unresolved/new', () => {
    expect(initialIssueState()).toEqual({
      status: 'unresolved',
      substatus: 'new',
      resolvedAt: null,
      resolvedInRelease: null,
    });
  });
});
