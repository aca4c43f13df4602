import { describe, expect, it } from 'vitest';
import {
  counterSpecs,
  evaluateConditions,
  evaluateDeployVerdict,
  matchesFilters,
  type AlertEvent,
  type AlertRule,
  type Condition,
  type Filter,
  type RuleFacts,
} from '../../../server/src/alerts/rules.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ev: AlertEvent = {
  projectId: '1',
  issueId: '10',
  eventId: 'e1',
  isNew: false,
  isRegression: false,
  level: 'error',
  environment: 'production',
  release: 'web@1.2.0',
  tags: [
    ['browser', 'Firefox 125'],
    ['region', 'eu'],
  ],
  userKey: 'id:42',
  timestamp: NOW,
};
const rule = (over: Partial<AlertRule>): AlertRule => ({
  id: '1',
  projectId: '1',
  name: 'r',
  environment: null,
  conditionMatch: 'any',
  conditions: [{ type: 'first_seen' }],
  filters: [],
  actions: [{ type: 'oncall' }],
  frequencyMinutes: 30,
  isEnabled: true,
  ...over,
});
const noFacts: RuleFacts = { counts: [], lastDeploy: null };

describe('matchesFilters', () => {
  it.each<[string, string | null, Filter[], boolean]>([
    ['no filters', null, [], true],
    ['rule environment matches', 'production', [], true],
    ['rule environment differs', 'staging', [], false],
    ['level equals', null, [{ type: 'level', match: 'equals', value: 'error' }], true],
    ['level equals, other level', null, [{ type: 'level', match: 'equals', value: 'fatal' }], false],
    ['level at least warning', null, [{ type: 'level', match: 'at_least', value: 'warning' }], true],
    ['level at least fatal', null, [{ type: 'level', match: 'at_least', value: 'fatal' }], false],
    ['release equals', null, [{ type: 'release', value: 'web@1.2.0' }], true],
    ['release differs', null, [{ type: 'release', value: 'web@1.1.0' }], false],
    ['environment filter', null, [{ type: 'environment', value: 'production' }], true],
    ['tag equals', null, [{ type: 'tag', key: 'region', match: 'equals', value: 'eu' }], true],
    [
      'tag equals needs the whole value',
      null,
      [{ type: 'tag', key: 'browser', match: 'equals', value: 'Firefox' }],
      false,
    ],
    ['tag contains', null, [{ type: 'tag', key: 'browser', match: 'contains', value: 'Firefox' }], true],
    ['tag on another key', null, [{ type: 'tag', key: 'os', match: 'contains', value: 'Firefox' }], false],
    [
      'all filters must match',
      null,
      [
        { type: 'release', value: 'web@1.2.0' },
        { type: 'tag', key: 'region', match: 'equals', value: 'us' },
      ],
      false,
    ],
  ])('%s', (_name, environment, filters, expected) => {
    expect(matchesFilters(rule({ environment, filters }), ev)).toBe(expected);
  });
});

describe('evaluateConditions', () => {
  const deploy = { id: 'd1', environment: 'production', release: 'web@1.2.0', at: NOW - 5 * 60_000 };
  it.each<[string, Partial<AlertRule>, Partial<AlertEvent>, RuleFacts, boolean]>([
    ['first_seen on a new issue', {}, { isNew: true }, noFacts, true],
    ['first_seen on a known issue', {}, {}, noFacts, false],
    ['regression', { conditions: [{ type: 'regression' }] }, { isRegression: true }, noFacts, true],
    [
      'event frequency at the threshold does not fire',
      { conditions: [{ type: 'event_frequency', count: 3, minutes: 5 }] },
      {},
      { counts: [3], lastDeploy: null },
      false,
    ],
    [
      'event frequency above the threshold fires',
      { conditions: [{ type: 'event_frequency', count: 3, minutes: 5 }] },
      {},
      { counts: [4], lastDeploy: null },
      true,
    ],
    [
      'user frequency above the threshold fires',
      { conditions: [{ type: 'user_frequency', count: 1, minutes: 60 }] },
      {},
      { counts: [2], lastDeploy: null },
      true,
    ],
    [
      'any: one of two holds',
      { conditions: [{ type: 'first_seen' }, { type: 'regression' }] },
      { isRegression: true },
      noFacts,
      true,
    ],
    [
      'all: only one of two holds',
      {
        conditionMatch: 'all',
        conditions: [{ type: 'regression' }, { type: 'event_frequency', count: 3, minutes: 5 }],
      },
      { isRegression: true },
      { counts: [undefined, 1], lastDeploy: null },
      false,
    ],
    [
      'all: both hold',
      {
        conditionMatch: 'all',
        conditions: [{ type: 'regression' }, { type: 'event_frequency', count: 3, minutes: 5 }],
      },
      { isRegression: true },
      { counts: [undefined, 9], lastDeploy: null },
      true,
    ],
    [
      'new issue within the deploy window',
      { conditions: [{ type: 'new_issue_after_deploy', minutes: 10 }] },
      { isNew: true },
      { counts: [], lastDeploy: deploy },
      true,
    ],
    [
      'new issue after the deploy window',
      { conditions: [{ type: 'new_issue_after_deploy', minutes: 4 }] },
      { isNew: true },
      { counts: [], lastDeploy: deploy },
      false,
    ],
    [
      'deploy of another environment',
      { conditions: [{ type: 'new_issue_after_deploy', minutes: 10 }] },
      { isNew: true, environment: 'staging' },
      { counts: [], lastDeploy: deploy },
      false,
    ],
    [
      'known issue after a deploy',
      { conditions: [{ type: 'new_issue_after_deploy', minutes: 10 }] },
      {},
      { counts: [], lastDeploy: deploy },
      false,
    ],
    ['disabled rule', { isEnabled: false }, { isNew: true }, noFacts, false],
    ['deploy rules ignore events', { conditions: [{ type: 'deploy_failing' }] }, { isNew: true }, noFacts, false],
  ])('%s', (_name, over, evOver, facts, fired) => {
    expect(evaluateConditions(rule(over), { ...ev, ...evOver }, facts, NOW).fired).toBe(fired);
  });

  it('names the deploy when the deploy condition fired', () => {
    const v = evaluateConditions(
      rule({ conditions: [{ type: 'new_issue_after_deploy', minutes: 10 }] }),
      { ...ev, isNew: true },
      { counts: [], lastDeploy: deploy },
      NOW,
    );
    expect(v).toEqual({
      fired: true,
      reasons: ['a new issue appeared within 10 minutes after a deploy'],
      deployId: 'd1',
    });
  });
});

describe('evaluateDeployVerdict', () => {
  const deploy = { id: 'd1', environment: 'production', release: 'web@2', at: NOW };
  const failing = rule({ conditions: [{ type: 'deploy_failing' }] });
  it.each<[string, AlertRule, string, boolean]>([
    ['failing verdict fires', failing, 'failing', true],
    ['healthy verdict does not', failing, 'healthy', false],
    ['event rules ignore verdicts', rule({}), 'failing', false],
    ['other environment', { ...failing, environment: 'staging' }, 'failing', false],
  ])('%s', (_name, r, verdict, fired) => {
    expect(evaluateDeployVerdict(r, deploy, verdict).fired).toBe(fired);
  });
});

describe('counterSpecs', () => {
  it('lists one counter per frequency condition, aligned with its index', () => {
    const conditions: Condition[] = [
      { type: 'first_seen' },
      { type: 'event_frequency', count: 5, minutes: 1 },
      { type: 'user_frequency', count: 2, minutes: 60 },
    ];
    expect(counterSpecs(rule({ conditions }))).toEqual([
      { index: 1, kind: 'events', minutes: 1 },
      { index: 2, kind: 'users', minutes: 60 },
    ]);
  });
});
