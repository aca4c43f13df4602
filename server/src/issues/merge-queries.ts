// Issue merge, the writes (inside one transaction): the children's hashes, events, counters, tag
// values, feature-flag evaluations, activity, user feedback and alert history move to the parent,
// whose counts are recomputed, then the children are deleted, leaving redirects to the parent.
// Later events with a child's fingerprint find the parent through issue_hashes. Locking follows
// the pipeline's order (hash advisory locks, then issue rows), so a merge and a worker batch on
// the same issues wait for each other instead of deadlocking.
import type { Queryable } from '../db/pool.js';
import { lockIssueHashes, lockIssues } from './queries.js';
import type { MergePlan } from './merge.js';
import { hasRunningUnmerge } from './unmerge-queries.js';
import { unmergeInProgress } from './unmerge.js';

const MAX_HASH_ROUNDS = 5; // a worker may attach a new hash while we lock; re-read until stable

export async function mergeIssues(tx: Queryable, plan: MergePlan & { actorUserId: string }): Promise<void> {
  const all = [plan.parentId, ...plan.childIds];
  await lockHashesOf(tx, plan.projectId, all);
  const locked = await lockIssues(tx, all);
  if (locked.length !== all.length)
    throw new Error(`merge of issues ${all.join(', ')}: some were deleted meanwhile; retry`);
  // An unmerge moving events from or into one of them would move them into a deleted issue.
  if (await hasRunningUnmerge(tx, all)) throw unmergeInProgress();
  const params = [plan.parentId, plan.childIds];
  await tx.query('UPDATE issue_hashes SET issue_id = $1 WHERE issue_id = ANY($2::bigint[])', params);
  await tx.query('UPDATE events SET issue_id = $1 WHERE issue_id = ANY($2::bigint[])', params);
  await tx.query('UPDATE sampled_events SET issue_id = $1 WHERE issue_id = ANY($2::bigint[])', params);
  await tx.query('UPDATE alert_history SET issue_id = $1 WHERE issue_id = ANY($2::bigint[])', params);
  await tx.query('UPDATE issue_activities SET issue_id = $1 WHERE issue_id = ANY($2::bigint[])', params);
  await tx.query('UPDATE user_feedback SET issue_id = $1 WHERE issue_id = ANY($2::bigint[])', params);
  await tx.query(
    `INSERT INTO issue_hourly_counts (issue_id, hour, count)
     SELECT $1, hour, sum(count) FROM issue_hourly_counts WHERE issue_id = ANY($2::bigint[]) GROUP BY hour
     ON CONFLICT (issue_id, hour) DO UPDATE SET count = issue_hourly_counts.count + excluded.count`,
    params,
  );
  await tx.query(
    `INSERT INTO issue_tag_values (issue_id, key, value, count, first_seen, last_seen)
     SELECT $1, key, value, sum(count), min(first_seen), max(last_seen)
       FROM issue_tag_values WHERE issue_id = ANY($2::bigint[]) GROUP BY key, value
     ON CONFLICT (issue_id, key, value) DO UPDATE SET
       count = issue_tag_values.count + excluded.count,
       first_seen = least(issue_tag_values.first_seen, excluded.first_seen),
       last_seen = greatest(issue_tag_values.last_seen, excluded.last_seen)`,
    params,
  );
  await tx.query(
    `INSERT INTO issue_flag_values (issue_id, flag, result, count, first_seen, last_seen)
     SELECT $1, flag, result, sum(count), min(first_seen), max(last_seen)
       FROM issue_flag_values WHERE issue_id = ANY($2::bigint[]) GROUP BY flag, result
     ON CONFLICT (issue_id, flag, result) DO UPDATE SET
       count = issue_flag_values.count + excluded.count,
       first_seen = least(issue_flag_values.first_seen, excluded.first_seen),
       last_seen = greatest(issue_flag_values.last_seen, excluded.last_seen)`,
    params,
  );
  await tx.query(
    `INSERT INTO issue_sampling (issue_id, sampled_count, first_sampled_at, last_sampled_at)
     SELECT $1, sum(sampled_count), min(first_sampled_at), max(last_sampled_at)
       FROM issue_sampling WHERE issue_id = ANY($2::bigint[]) HAVING count(*) > 0
     ON CONFLICT (issue_id) DO UPDATE SET
       sampled_count = issue_sampling.sampled_count + excluded.sampled_count,
       first_sampled_at = least(issue_sampling.first_sampled_at, excluded.first_sampled_at),
       last_sampled_at = greatest(issue_sampling.last_sampled_at, excluded.last_sampled_at)`,
    params,
  );
  await updateMergedCounters(tx, plan.parentId, plan.childIds);
  // Links to a child (and to issues merged into it before) lead to the parent from now on.
  await tx.query('UPDATE issue_redirects SET issue_id = $1 WHERE issue_id = ANY($2::bigint[])', params);
  await tx.query(
    `INSERT INTO issue_redirects (previous_issue_id, issue_id) SELECT unnest($2::bigint[]), $1
     ON CONFLICT (previous_issue_id) DO UPDATE SET issue_id = excluded.issue_id`,
    params,
  );
  await tx.query('DELETE FROM issues WHERE id = ANY($1::bigint[])', [plan.childIds]);
  await tx.query(`INSERT INTO issue_activities (issue_id, user_id, kind, data) VALUES ($1, $2, 'merge', $3::jsonb)`, [
    plan.parentId,
    plan.actorUserId,
    JSON.stringify({ issues: plan.childIds.map((id) => ({ id })) }),
  ]);
}

/** Advisory locks on every hash of the issues, in the pipeline's order (see lockIssueHashes). */
async function lockHashesOf(tx: Queryable, projectId: string, issueIds: string[]): Promise<void> {
  const done = new Set<string>();
  for (let round = 0; round < MAX_HASH_ROUNDS; round++) {
    const { rows } = await tx.query<{ hash: string }>(
      'SELECT hash FROM issue_hashes WHERE issue_id = ANY($1::bigint[])',
      [issueIds],
    );
    const fresh = rows.map((r) => r.hash).filter((h) => !done.has(h));
    if (fresh.length === 0) return;
    await lockIssueHashes(
      tx,
      fresh.map((hash) => ({ projectId, hash })),
    );
    for (const h of fresh) done.add(h);
  }
  throw new Error(`merge: the hashes of issues ${issueIds.join(', ')} keep changing; retry`);
}

/**
 * The parent's counters over itself and its children: events summed, users recounted from the
 * merged `user` tag values, seen times widened, first/last release from the earliest/latest
 * issue. Title, culprit, level and status stay the parent's (as in Sentry).
 */
async function updateMergedCounters(tx: Queryable, parentId: string, childIds: string[]): Promise<void> {
  await tx.query(
    `WITH src AS (SELECT * FROM issues WHERE id = $1 OR id = ANY($2::bigint[]))
     UPDATE issues i SET
       event_count = (SELECT sum(event_count) FROM src),
       user_count = (SELECT count(*) FROM issue_tag_values t WHERE t.issue_id = $1 AND t.key = 'user'),
       first_seen = (SELECT min(first_seen) FROM src),
       last_seen = (SELECT max(last_seen) FROM src),
       first_release = (SELECT first_release FROM src WHERE first_release IS NOT NULL ORDER BY first_seen, id LIMIT 1),
       last_release = (SELECT last_release FROM src WHERE last_release IS NOT NULL ORDER BY last_seen DESC, id DESC LIMIT 1)
     WHERE i.id = $1`,
    [parentId, childIds],
  );
}
