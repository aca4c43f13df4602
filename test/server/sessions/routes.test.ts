// Sentry's sessions API over known counts (real Postgres): every parameter the issue names —
// groupBy project / environment / release / session.status, `project`, `environment`,
// `query=release:X`, `start`/`end`, a sub-hour `interval` read from the minute counts — and the
// totals, series and rates Sentry would answer for them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { createApiToken } from '../../helpers/sentry-cli.js';
import {
  upsertSessionCounts,
  upsertSessionMinuteCounts,
  upsertSessionUsers,
} from '../../../server/src/sessions/queries.js';
import type { SessionCountRow, SessionStatus } from '../../../server/src/sessions/aux-payloads.js';

const H = Date.parse('2026-11-20T10:00:00Z');
const at = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;
const HOUR = 3_600_000;

let server: TestServer;
let token: string;
let other: CreatedProject; // a second project of the same organization
let stranger: CreatedProject; // a project of another organization

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'api' });
  token = await createApiToken(server.pool, server.project.orgId);
  other = await createProject(server.pool, { orgSlug: server.project.orgSlug, slug: 'billing' });
  stranger = await createProject(server.pool);
  const a = server.project.projectId;
  const b = other.projectId;
  const rows = (
    projectId: string,
    release: string,
    environment: string,
    minute: number,
    counts: Partial<Record<SessionStatus, number>>,
  ): SessionCountRow[] =>
    Object.entries(counts).map(([status, count]) => ({
      projectId,
      release,
      environment,
      hour: at(Math.floor(minute / HOUR) * HOUR),
      minute: at(minute),
      status: status as SessionStatus,
      count: count!,
    }));
  const counts = [
    // project A, web@1: 10 sessions in production at 10:05 (2 crashed), 5 in staging at 10:35
    ...rows(a, 'web@1', 'production', H + 5 * MIN, { exited: 8, crashed: 2 }),
    ...rows(a, 'web@1', 'staging', H + 35 * MIN, { exited: 5 }),
    // project B, api@2: 4 sessions in production at 11:10, none crashed
    ...rows(b, 'api@2', 'production', H + HOUR + 10 * MIN, { errored: 3, unhandled: 1 }),
    // another organization's sessions never show
    ...rows(stranger.projectId, 'web@1', 'production', H + 5 * MIN, { crashed: 50 }),
  ];
  await upsertSessionCounts(server.pool, counts);
  await upsertSessionMinuteCounts(server.pool, counts);
  const user = (projectId: string, release: string, environment: string, hour: number, did: string, rank: number) => ({
    projectId,
    release,
    environment,
    hour: at(hour),
    did,
    rank,
  });
  await upsertSessionUsers(server.pool, [
    user(a, 'web@1', 'production', H, 'ann', 1),
    user(a, 'web@1', 'production', H, 'bob', 5), // bob crashed
    user(a, 'web@1', 'staging', H, 'ann', 1), // ann again, in staging: still one user of web@1
    user(a, 'web@1', 'staging', H, 'cid', 1),
    user(b, 'api@2', 'production', H + HOUR, 'ann', 2),
  ]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function sessions(query: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${server.url}/api/0/organizations/${server.project.orgSlug}/sessions/?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: r.status, body: await r.json() };
}

const ALL_FIELDS = ['sum(session)', 'count_unique(user)', 'crash_free_rate(session)', 'crash_free_rate(user)']
  .map((f) => `field=${encodeURIComponent(f)}`)
  .join('&');
const TWO_HOURS = `start=${encodeURIComponent(at(H))}&end=${encodeURIComponent(at(H + 2 * HOUR))}&interval=1h`;

describe('GET /organizations/{org}/sessions/', () => {
  it('groups by project with totals, hourly series and both crash-free rates over start/end', async () => {
    const r = await sessions(`${ALL_FIELDS}&groupBy=project&${TWO_HOURS}`);
    expect(r.status).toBe(200);
    expect(r.body.start).toBe(at(H));
    expect(r.body.end).toBe(at(H + 2 * HOUR));
    expect(r.body.intervals).toEqual([at(H), at(H + HOUR)]);
    expect(r.body.groups).toEqual([
      {
        by: { project: Number(server.project.projectId) },
        totals: {
          'sum(session)': 15,
          'count_unique(user)': 3,
          'crash_free_rate(session)': 1 - 2 / 15,
          'crash_free_rate(user)': 1 - 1 / 3,
        },
        series: {
          'sum(session)': [15, 0],
          'count_unique(user)': [3, 0],
          'crash_free_rate(session)': [1 - 2 / 15, null],
          'crash_free_rate(user)': [1 - 1 / 3, null],
        },
      },
      {
        by: { project: Number(other.projectId) },
        totals: {
          'sum(session)': 4,
          'count_unique(user)': 1,
          'crash_free_rate(session)': 1,
          'crash_free_rate(user)': 1,
        },
        series: {
          'sum(session)': [0, 4],
          'count_unique(user)': [0, 1],
          'crash_free_rate(session)': [null, 1],
          'crash_free_rate(user)': [null, 1],
        },
      },
    ]);
  });

  it('filters by project (slug or id), environment and query=release:X', async () => {
    const total = async (q: string) => {
      const r = await sessions(`field=sum(session)&${TWO_HOURS}&${q}`);
      expect(r.status).toBe(200);
      expect(r.body.groups).toHaveLength(1);
      return r.body.groups[0].totals['sum(session)'];
    };
    expect(await total('')).toBe(19);
    expect(await total(`project=${other.slug}`)).toBe(4);
    expect(await total(`project=${server.project.projectId}`)).toBe(15);
    expect(await total('environment=staging')).toBe(5);
    expect(await total(`query=${encodeURIComponent('environment:production')}`)).toBe(14);
    expect(await total(`query=${encodeURIComponent('release:web@1')}`)).toBe(15);
    expect(await total(`query=${encodeURIComponent('release:[web@1,api@2] environment:production')}`)).toBe(14);
    expect(await total(`query=${encodeURIComponent('release:"nope"')}`)).toBe(0);
  });

  it('reads sub-hour intervals from the minute counts, grouped by environment', async () => {
    const r = await sessions(
      `field=sum(session)&groupBy=environment&start=${encodeURIComponent(at(H))}&end=${encodeURIComponent(at(H + HOUR))}&interval=30m`,
    );
    expect(r.status).toBe(200);
    expect(r.body.intervals).toEqual([at(H), at(H + 30 * MIN)]);
    expect(r.body.groups.map((g: any) => [g.by.environment, g.series['sum(session)']])).toEqual([
      ['production', [10, 0]],
      ['staging', [0, 5]],
    ]);
  });

  it('splits by release and session.status, with no rate per status', async () => {
    const r = await sessions(`${ALL_FIELDS}&groupBy=release&groupBy=session.status&${TWO_HOURS}`);
    expect(r.status).toBe(200);
    const table = Object.fromEntries(
      r.body.groups.map((g: any) => [
        `${g.by.release} ${g.by['session.status']}`,
        [g.totals['sum(session)'], g.totals['count_unique(user)'], g.totals['crash_free_rate(session)']],
      ]),
    );
    expect(table).toEqual({
      'api@2 healthy': [0, 0, null],
      'api@2 errored': [3, 1, null],
      'api@2 unhandled': [1, 0, null],
      'api@2 abnormal': [0, 0, null],
      'api@2 crashed': [0, 0, null],
      'web@1 healthy': [13, 2, null],
      'web@1 errored': [0, 0, null],
      'web@1 unhandled': [0, 0, null],
      'web@1 abnormal': [0, 0, null],
      'web@1 crashed': [2, 1, null],
    });
  });

  it('answers an empty range with zero sessions and no rate', async () => {
    const r = await sessions(`${ALL_FIELDS}&statsPeriod=1h`);
    expect(r.status).toBe(200);
    expect(r.body.groups).toHaveLength(1);
    expect(r.body.groups[0].totals).toEqual({
      'sum(session)': 0,
      'count_unique(user)': 0,
      'crash_free_rate(session)': null,
      'crash_free_rate(user)': null,
    });
  });

  it.each([
    ['a project of another organization', () => `field=sum(session)&project=${stranger.projectId}`, 'invalid-project'],
    ['start without end', () => `field=sum(session)&start=${encodeURIComponent(at(H))}`, 'invalid-end'],
    ['end before start', () => `field=sum(session)&start=${at(H + HOUR)}&end=${at(H)}`, 'invalid-range'],
    ['a range over 90 days', () => 'field=sum(session)&statsPeriod=91d&interval=1d', 'invalid-range'],
    ['an interval under a minute', () => 'field=sum(session)&interval=30s', 'invalid-interval'],
  ])('answers 400 naming the parameter for %s', async (_name, query, code) => {
    const r = await sessions(query());
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(code);
  });
});
