// User feedback rows. One query per function.
import type { Queryable } from '../db/pool.js';
import type { Feedback } from '../shared/protocol/feedback.js';

export interface FeedbackRow {
  id: string;
  projectId: string;
  feedbackId: string;
  eventId: string | null;
  issueId: string | null;
  name: string;
  email: string;
  comments: string;
  url: string | null;
  source: string;
  environment: string | null;
  release: string | null;
  createdAt: Date;
}

const COLUMNS = `f.id, f.project_id AS "projectId", replace(f.feedback_id::text, '-', '') AS "feedbackId", replace(f.event_id::text, '-', '') AS "eventId",
  f.issue_id AS "issueId", f.name, f.email, f.comments, f.url, f.source, f.environment, f.release, f.created_at AS "createdAt"`;

/** Stores feedback, linked to its event's issue when that event is stored already; a resent one replaces the text. */
export async function upsertFeedback(
  db: Queryable,
  rows: Array<Feedback & { projectId: string }>,
): Promise<FeedbackRow[]> {
  if (rows.length === 0) return [];
  const { rows: out } = await db.query<FeedbackRow>(
    `INSERT INTO user_feedback AS f (project_id, feedback_id, event_id, issue_id, name, email, comments, url, source, environment, release, created_at)
     SELECT r.project_id, r.feedback_id, r.event_id,
       (SELECT e.issue_id FROM events e WHERE e.project_id = r.project_id AND e.event_id = r.event_id LIMIT 1),
       r.name, r.email, r.comments, r.url, r.source, r.environment, r.release, r.created_at
     FROM unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
       AS r (project_id, feedback_id, event_id, name, email, comments, url, source, environment, release, created_at)
     ON CONFLICT (project_id, feedback_id) DO UPDATE SET
       name = EXCLUDED.name, email = EXCLUDED.email, comments = EXCLUDED.comments, url = coalesce(EXCLUDED.url, f.url),
       issue_id = coalesce(f.issue_id, EXCLUDED.issue_id)
     RETURNING ${COLUMNS}`,
    [
      rows.map((r) => r.projectId),
      rows.map((r) => r.feedbackId),
      rows.map((r) => r.eventId),
      rows.map((r) => r.name),
      rows.map((r) => r.email),
      rows.map((r) => r.comments),
      rows.map((r) => r.url),
      rows.map((r) => r.source),
      rows.map((r) => r.environment),
      rows.map((r) => r.release),
      rows.map((r) => r.createdAt),
    ],
  );
  return out;
}

const LINK_WINDOW = `interval '7 days'`; // feedback waits this long for its event to be stored
const MAX_LINKED_PER_READ = 1000;

/** Links the project's recent feedback whose event was stored after it (called before reads; bounded). */
export async function linkPendingFeedback(db: Queryable, projectId: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE user_feedback f SET issue_id = e.issue_id
     FROM (SELECT id, event_id FROM user_feedback WHERE project_id = $1 AND issue_id IS NULL AND event_id IS NOT NULL AND created_at > now() - ${LINK_WINDOW}
           ORDER BY created_at DESC LIMIT ${MAX_LINKED_PER_READ}) p
     JOIN events e ON e.project_id = $1 AND e.event_id = p.event_id
     WHERE f.id = p.id`,
    [projectId],
  );
  return rowCount ?? 0;
}

export const MAX_FEEDBACK_LISTED = 100;

/** A project's or an issue's feedback, newest first; keyset by (created_at, id). */
export async function listFeedback(
  db: Queryable,
  args: { projectId: string; issueId: string | null; limit: number; before: { createdAt: string; id: string } | null },
): Promise<FeedbackRow[]> {
  const { rows } = await db.query<FeedbackRow>(
    `SELECT ${COLUMNS} FROM user_feedback f
     WHERE f.project_id = $1 AND ($2::bigint IS NULL OR f.issue_id = $2)
       AND ($3::timestamptz IS NULL OR (f.created_at, f.id) < ($3::timestamptz, $4::bigint))
     ORDER BY f.created_at DESC, f.id DESC LIMIT $5`,
    [
      args.projectId,
      args.issueId,
      args.before?.createdAt ?? null,
      args.before?.id ?? null,
      Math.min(args.limit, MAX_FEEDBACK_LISTED),
    ],
  );
  return rows;
}
