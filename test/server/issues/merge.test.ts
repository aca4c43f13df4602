import { describe, expect, it } from 'vitest';
import { planMerge, type MergeCandidate } from '../../../server/src/issues/merge.js';
import { HttpError } from '../../../server/src/api/errors.js';

const issue = (id: string, eventCount: string, projectId = '1'): MergeCandidate => ({ id, projectId, eventCount });

describe('planMerge', () => {
  it.each<[string, MergeCandidate[], { parentId: string; childIds: string[] }]>([
    [
      'the issue with the most events is the parent',
      [issue('7', '3'), issue('9', '12'), issue('8', '5')],
      { parentId: '9', childIds: ['8', '7'] },
    ],
    ['counts compare as numbers, not strings', [issue('1', '9'), issue('2', '10')], { parentId: '2', childIds: ['1'] }],
    [
      'a tie goes to the higher id (as Sentry sorts)',
      [issue('10', '4'), issue('9', '4')],
      { parentId: '10', childIds: ['9'] },
    ],
  ])('%s', (_name, issues, expected) => {
    expect(planMerge(issues)).toEqual({ projectId: '1', ...expected });
  });

  it.each<[string, MergeCandidate[], string]>([
    ['one issue', [issue('1', '1')], 'merge-needs-two-issues'],
    ['issues of two projects', [issue('1', '1', '1'), issue('2', '1', '2')], 'merge-across-projects'],
  ])('refuses %s with a 400', (_name, issues, code) => {
    const err = (() => {
      try {
        planMerge(issues);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 400, code });
  });
});
