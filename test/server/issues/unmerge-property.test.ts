// Property: after any sequence of ingest, merge and unmerge (with events arriving while an unmerge
// is half done), every issue's counters — events, users, first/last seen, first/last release,
// hourly counts, tag values and feature-flag results with their first/last sighting — equal what
// its stored events add up to from scratch, every event sits in the issue of its primary hash,
// and new events of an unmerged hash land in the new issue. Real pipeline (processBatch), real
// Postgres.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withTransaction } from '../../../server/src/db/tx.js';
import { mergeIssues } from '../../../server/src/issues/merge-queries.js';
import { planMerge } from '../../../server/src/issues/merge.js';
import { planUnmerge } from '../../../server/src/issues/unmerge.js';
import { finishUnmerge } from '../../../server/src/issues/unmerge-finish.js';
import {
  countIssueEvents,
  findUnmergeSeed,
  runUnmergeBatch,
  startUnmerge,
} from '../../../server/src/issues/unmerge-queries.js';
import { processBatch } from '../../../server/src/pipeline/process-event.js';
import type { EventJob } from '../../../server/src/shared/queues.js';
import { usePipelineTestContext } from '../../helpers/pipeline.js';
import { createProject } from '../../helpers/db-fixtures.js';
import { countersFromEvents, misplacedEvents, storedCounters } from '../../helpers/issues-from-scratch.js';

const NOW = Date.now();
let clock = NOW / 1000 - 40 * 3600; // events arrive in timestamp order, 37 s apart (several per hour)
let seq = 0;

interface EventSpec {
  fp: number;
  user: number;
  release: number;
  env: number;
  team: number;
  /** Three flags in base 3, each absent, or evaluated to one of two results. */
  flags: number;
}
type Op =
  | { kind: 'ingest'; events: EventSpec[] }
  | { kind: 'merge'; picks: number[] }
  | { kind: 'unmerge'; pick: number; mask: number; batchSize: number; midway: EventSpec[] };

const eventSpec = fc.record({
  fp: fc.nat(5),
  user: fc.nat(4),
  release: fc.nat(2),
  env: fc.nat(1),
  team: fc.nat(3),
  flags: fc.nat(26),
});
const FLAGS: Array<[string, [boolean | string | number, boolean | string | number]]> = [
  ['new-checkout', [true, false]],
  ['tier', ['gold', 'free']],
  ['ratio', [0.5, 1]],
];

/** The event's flags context: each flag absent or one of its two results, by the spec's digits. */
function flagValues(n: number): Array<{ flag: string; result: boolean | string | number }> {
  return FLAGS.flatMap(([flag, results], i) => {
    const digit = Math.floor(n / 3 ** i) % 3;
    return digit === 0 ? [] : [{ flag, result: results[digit - 1]! }];
  });
}
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('ingest' as const), events: fc.array(eventSpec, { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('merge' as const), picks: fc.array(fc.nat(20), { minLength: 2, maxLength: 3 }) }),
  fc.record({
    kind: fc.constant('unmerge' as const),
    pick: fc.nat(20),
    mask: fc.nat(63),
    batchSize: fc.integer({ min: 1, max: 4 }),
    midway: fc.array(eventSpec, { maxLength: 4 }),
  }),
);

function job(projectId: string, s: EventSpec): EventJob {
  const eventId = (++seq).toString(16).padStart(32, '0');
  clock += 37;
  const event = {
    // An exact millisecond (ISO text): a float like 1765000000.002 can land a microsecond either
    // side of it, and this test compares stored bounds to the millisecond.
    platform: 'node',
    level: 'error',
    timestamp: new Date(Math.round(clock * 1000) + (seq % 1000)).toISOString(),
    message: `fault ${s.fp}`,
    fingerprint: [`fault-${s.fp}`],
    user: { id: `u${s.user}` },
    release: `app@1.${s.release}`,
    environment: ['production', 'staging'][s.env],
    tags: { team: `team-${s.team}` },
    contexts: { flags: { values: flagValues(s.flags) } },
  };
  return { v: 1, kind: 'event', projectId, eventId, receivedAt: NOW, payload: JSON.stringify(event), meta: {} };
}

describe('unmerge property: counters equal a from-scratch count after any merge/unmerge sequence', () => {
  const t = usePipelineTestContext({ SPIKE_EVENTS_PER_MINUTE: '100000' });

  const ingest = async (projectId: string, specs: EventSpec[]) => {
    const outcomes = await processBatch(
      t.deps,
      specs.map((s) => job(projectId, s)),
    );
    expect(outcomes.every((o) => o.kind === 'stored')).toBe(true);
  };
  const issuesWithHashes = async (projectId: string) =>
    (
      await t.db.pool.query<{ id: string; eventCount: string; hashes: string[] }>(
        `SELECT i.id::text, i.event_count::text AS "eventCount", array_agg(h.hash ORDER BY h.hash) AS hashes
         FROM issues i JOIN issue_hashes h ON h.issue_id = i.id WHERE i.project_id = $1 GROUP BY i.id ORDER BY i.id`,
        [projectId],
      )
    ).rows;

  const unmerge = async (projectId: string, o: Extract<Op, { kind: 'unmerge' }>) => {
    const candidates = (await issuesWithHashes(projectId)).filter((i) => i.hashes.length >= 2);
    if (candidates.length === 0) return;
    const issue = candidates[o.pick % candidates.length]!;
    let hashes = issue.hashes.filter((_, i) => (o.mask >> i) & 1);
    if (hashes.length === 0) hashes = [issue.hashes[0]!];
    if (hashes.length === issue.hashes.length) hashes = hashes.slice(1);
    const [seed, eventTotal] = await Promise.all([
      findUnmergeSeed(t.db.pool, issue.id, hashes),
      countIssueEvents(t.db.pool, issue.id),
    ]);
    const u = await withTransaction(t.db.pool, (tx) =>
      startUnmerge(tx, { projectId, sourceIssueId: issue.id, hashes, actorUserId: null, seed, eventTotal }, (own) =>
        planUnmerge(hashes, own),
      ),
    );
    let first = true;
    for (;;) {
      const r = await withTransaction(t.db.pool, (tx) => runUnmergeBatch(tx, u.id, o.batchSize, 60_000));
      if (first && o.midway.length > 0) await ingest(projectId, o.midway); // events keep arriving mid-unmerge
      first = false;
      if (!r || r.scanDone) break;
    }
    expect(await finishUnmerge(t.db.pool, u.id)).toBe(true);
    // The split sticks: a new event of an unmerged hash lands in the new issue.
    const title = (
      await t.db.pool.query<{ title: string }>('SELECT title FROM events WHERE issue_id = $1 LIMIT 1', [
        u.destinationIssueId,
      ])
    ).rows[0]!.title;
    const fp = Number(title.replace('fault ', ''));
    const probe = job(projectId, { fp, user: 0, release: 0, env: 0, team: 0, flags: 0 });
    await processBatch(t.deps, [probe]);
    const { rows } = await t.db.pool.query<{ issueId: string }>(
      'SELECT issue_id::text AS "issueId" FROM events WHERE event_id = $1',
      [probe.eventId],
    );
    expect(rows[0]?.issueId).toBe(u.destinationIssueId);
  };

  const merge = async (projectId: string, picks: number[]) => {
    const issues = await issuesWithHashes(projectId);
    const chosen = [
      ...new Set(picks.map((p) => issues[p % Math.max(1, issues.length)]).filter((i) => i !== undefined)),
    ];
    if (chosen.length < 2) return;
    const plan = planMerge(chosen.map((i) => ({ id: i.id, projectId, eventCount: i.eventCount })));
    await withTransaction(t.db.pool, (tx) => mergeIssues(tx, { ...plan, actorUserId: null as unknown as string }));
  };

  it('holds over random sequences', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventSpec, { minLength: 3, maxLength: 10 }),
        fc.array(op, { minLength: 2, maxLength: 7 }),
        async (initial, ops) => {
          const { projectId } = await createProject(t.db.pool, `prop${++run}`);
          await ingest(projectId, initial);
          for (const o of ops) {
            if (o.kind === 'ingest') await ingest(projectId, o.events);
            else if (o.kind === 'merge') await merge(projectId, o.picks);
            else await unmerge(projectId, o);
            expect(await storedCounters(t.db.pool, projectId)).toEqual(await countersFromEvents(t.db.pool, projectId));
            expect(await misplacedEvents(t.db.pool, projectId)).toBe(0);
          }
        },
      ),
      { numRuns: 25, seed: Number(process.env.UNMERGE_PROPERTY_SEED ?? 1812), endOnFailure: true },
    );
  }, 240_000);
});
