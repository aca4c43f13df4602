// Triage writes from the API: status changes and assignment (each writes an activity row in
// the same statement), deletion, and the activity log. The worker's writes are in queries.ts.
import type { Queryable } from '../db/pool.js';
import type { ResolutionColumns } from '../releases/regressions.js';
import type { StatusChange } from './status-update.js';

/** Applies a status change to the given issues (of one project: `resolution` depends on the
 *  project's releases); returns the ids that were updated. */
export async function updateIssueStatuses(
  db: Queryable,
  args: {
    ids: string[];
    change: StatusChange;
    resolution: ResolutionColumns;
    activityData: Record<string, unknown>;
    actorUserId: string;
  },
): Promise<string[]> {
  if (args.ids.length === 0) return [];
  const { change: c, resolution: r } = args;
  const { rows } = await db.query<{ issueId: string }>(
    `WITH updated AS (
       UPDATE issues SET
         status = $2,
         substatus = $3,
         resolved_at = CASE WHEN $2 = 'resolved' THEN now() ELSE NULL END,
         resolved_in_release = $4,
         resolved_in_next_release = $5,
         resolved_after_release = $6,
         status_details = $7::jsonb || jsonb_build_object('actorId', $11::text),
         ignore_until = $8,
         ignore_count = CASE WHEN $9::bigint IS NULL THEN NULL ELSE event_count + $9::bigint END,
         ignore_user_count = CASE WHEN $10::bigint IS NULL THEN NULL ELSE user_count + $10::bigint END
       WHERE id = ANY($1::bigint[])
       RETURNING id
     )
     INSERT INTO issue_activities (issue_id, user_id, kind, data)
     SELECT id, $11::bigint, $12, $13::jsonb FROM updated
     RETURNING issue_id AS "issueId"`,
    [
      args.ids,
      c.status,
      c.substatus,
      r.resolvedInRelease,
      r.resolvedInNextRelease,
      r.resolvedAfterRelease,
      JSON.stringify(c.ignoreDetails),
      c.ignoreUntil,
      c.ignoreCountDelta,
      c.ignoreUserCountDelta,
      args.actorUserId,
      c.activity.kind,
      JSON.stringify(args.activityData),
    ],
  );
  return rows.map((r) => r.issueId);
}

/** Sets (or clears, with null) the assignee, a person or a team; records assigned / unassigned activity. */
export async function updateIssueAssignees(
  db: Queryable,
  args: { ids: string[]; assignee: { type: 'user' | 'team'; id: string } | null; actorUserId: string },
): Promise<string[]> {
  if (args.ids.length === 0) return [];
  const userId = args.assignee?.type === 'user' ? args.assignee.id : null;
  const teamId = args.assignee?.type === 'team' ? args.assignee.id : null;
  const { rows } = await db.query<{ issueId: string }>(
    `WITH updated AS (
       UPDATE issues SET assignee_user_id = $2::bigint, assignee_team_id = $3::bigint
       WHERE id = ANY($1::bigint[])
         AND (assignee_user_id IS DISTINCT FROM $2::bigint OR assignee_team_id IS DISTINCT FROM $3::bigint)
       RETURNING id
     )
     INSERT INTO issue_activities (issue_id, user_id, kind, data)
     SELECT id, $4::bigint, CASE WHEN $5::text IS NULL THEN 'unassigned' ELSE 'assigned' END,
       CASE WHEN $5::text IS NULL THEN '{}'::jsonb
         ELSE jsonb_build_object('assignee', coalesce($2::bigint, $3::bigint)::text, 'assigneeType', $5::text) END
     FROM updated
     RETURNING issue_id AS "issueId"`,
    [args.ids, userId, teamId, args.actorUserId, args.assignee?.type ?? null],
  );
  return rows.map((r) => r.issueId);
}

/** A team of the organization by id (team assignees must belong to the issue's organization). */
export async function findOrganizationTeam(
  db: Queryable,
  args: { organizationId: string; id: string },
): Promise<{ id: string; slug: string; name: string } | null> {
  const { rows } = await db.query<{ id: string; slug: string; name: string }>(
    `SELECT id, slug, name FROM teams WHERE organization_id = $1 AND id = $2::bigint`,
    [args.organizationId, args.id],
  );
  return rows[0] ?? null;
}

/** Deletes issues with their events (events have no foreign key: they are partitioned). */
export async function deleteIssues(db: Queryable, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  await db.query('DELETE FROM events WHERE issue_id = ANY($1::bigint[])', [ids]);
  const { rowCount } = await db.query('DELETE FROM issues WHERE id = ANY($1::bigint[])', [ids]);
  return rowCount ?? 0;
}

/** A user of the organization by id or email (assignees must be members). */
export async function findMemberUser(
  db: Queryable,
  args: { organizationId: string; id?: string; email?: string },
): Promise<{ id: string; email: string; name: string } | null> {
  const { rows } = await db.query<{ id: string; email: string; name: string }>(
    `SELECT u.id, u.email, u.name FROM users u JOIN memberships m ON m.user_id = u.id AND m.organization_id = $1
     WHERE ($2::bigint IS NULL OR u.id = $2::bigint) AND ($3::text IS NULL OR lower(u.email) = lower($3))
       AND ($2::bigint IS NOT NULL OR $3::text IS NOT NULL)
     LIMIT 1`,
    [args.organizationId, args.id ?? null, args.email ?? null],
  );
  return rows[0] ?? null;
}

export interface ActivityRow {
  id: string;
  kind: string;
  data: Record<string, unknown>;
  createdAt: Date;
  user: { id: string; email: string; name: string; isActive: boolean; createdAt: Date } | null;
}

export async function listIssueActivities(db: Queryable, issueId: string, limit = 100): Promise<ActivityRow[]> {
  const { rows } = await db.query<
    Omit<ActivityRow, 'user'> & {
      userId: string | null;
      email: string | null;
      name: string | null;
      isActive: boolean | null;
      userCreatedAt: Date | null;
    }
  >(
    `SELECT a.id, a.kind, a.data, a.created_at AS "createdAt",
       u.id AS "userId", u.email, u.name, u.is_active AS "isActive", u.created_at AS "userCreatedAt"
     FROM issue_activities a LEFT JOIN users u ON u.id = a.user_id
     WHERE a.issue_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT $2`,
    [issueId, limit],
  );
  return rows.map(({ userId, email, name, isActive, userCreatedAt, ...a }) => ({
    ...a,
    user: userId
      ? {
          id: userId,
          email: email ?? '',
          name: name ?? '',
          isActive: isActive ?? false,
          createdAt: userCreatedAt ?? a.createdAt,
        }
      : null,
  }));
}
