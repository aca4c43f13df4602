// Teams, their members, project ownership settings, owner resolution (e-mails and team slugs
// to members) and the auto-assignment write. One query per function.
import type { Queryable } from '../db/pool.js';

export interface TeamRow {
  id: string;
  slug: string;
  name: string;
  memberCount: number;
  createdAt: Date;
}

const TEAM_SELECT = `SELECT t.id, t.slug, t.name, t.created_at AS "createdAt",
  (SELECT count(*)::int FROM team_members tm WHERE tm.team_id = t.id) AS "memberCount" FROM teams t`;

export async function listTeams(db: Queryable, organizationId: string): Promise<TeamRow[]> {
  const { rows } = await db.query<TeamRow>(`${TEAM_SELECT} WHERE t.organization_id = $1 ORDER BY t.slug LIMIT 1000`, [
    organizationId,
  ]);
  return rows;
}

export async function findTeam(db: Queryable, organizationId: string, slug: string): Promise<TeamRow | null> {
  const { rows } = await db.query<TeamRow>(`${TEAM_SELECT} WHERE t.organization_id = $1 AND t.slug = $2`, [
    organizationId,
    slug,
  ]);
  return rows[0] ?? null;
}

/** Null when the slug is taken. */
export async function insertTeam(
  db: Queryable,
  args: { organizationId: string; slug: string; name: string },
): Promise<TeamRow | null> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO teams (organization_id, slug, name) VALUES ($1, $2, $3) ON CONFLICT (organization_id, slug) DO NOTHING RETURNING id`,
    [args.organizationId, args.slug, args.name],
  );
  return rows[0] ? findTeam(db, args.organizationId, args.slug) : null;
}

export async function deleteTeam(db: Queryable, organizationId: string, slug: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM teams WHERE organization_id = $1 AND slug = $2`, [
    organizationId,
    slug,
  ]);
  return (rowCount ?? 0) > 0;
}

export async function addTeamMember(db: Queryable, teamId: string, userId: string): Promise<void> {
  await db.query(`INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
    teamId,
    userId,
  ]);
}

export async function removeTeamMember(db: Queryable, teamId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, [teamId, userId]);
  return (rowCount ?? 0) > 0;
}

export interface MemberRef {
  id: string;
  email: string;
  name: string;
}

export async function listTeamMembers(
  db: Queryable,
  teamIds: string[],
): Promise<Array<MemberRef & { teamId: string }>> {
  if (teamIds.length === 0) return [];
  const { rows } = await db.query<MemberRef & { teamId: string }>(
    `SELECT tm.team_id AS "teamId", u.id, u.email, u.name FROM team_members tm JOIN users u ON u.id = tm.user_id
      WHERE tm.team_id = ANY($1::bigint[]) ORDER BY lower(u.email)`,
    [teamIds],
  );
  return rows;
}

/** Organization members by e-mail (lower-cased keys). */
export async function findMembersByEmails(
  db: Queryable,
  organizationId: string,
  emails: string[],
): Promise<Map<string, MemberRef>> {
  if (emails.length === 0) return new Map();
  const { rows } = await db.query<MemberRef>(
    `SELECT u.id, u.email, u.name FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.organization_id = $1 AND lower(u.email) = ANY($2::text[])`,
    [organizationId, emails.map((e) => e.toLowerCase())],
  );
  return new Map(rows.map((r) => [r.email.toLowerCase(), r]));
}

export async function listTeamsBySlug(
  db: Queryable,
  organizationId: string,
  slugs: string[],
): Promise<Map<string, TeamRow>> {
  if (slugs.length === 0) return new Map();
  const { rows } = await db.query<TeamRow>(`${TEAM_SELECT} WHERE t.organization_id = $1 AND t.slug = ANY($2::text[])`, [
    organizationId,
    slugs,
  ]);
  return new Map(rows.map((r) => [r.slug, r]));
}

export type AutoAssignment =
  'Auto Assign to Issue Owner' | 'Auto Assign to Suspect Commits' | 'Turn off Auto-Assignment';

export interface OwnershipRow {
  projectId: string;
  organizationId: string;
  raw: string;
  fallthrough: boolean;
  autoAssignment: AutoAssignment;
  createdAt: Date | null;
  updatedAt: Date | null;
}

/** Each project's ownership settings; projects without a row get Sentry's defaults. */
export async function listOwnerships(db: Queryable, projectIds: string[]): Promise<Map<string, OwnershipRow>> {
  if (projectIds.length === 0) return new Map();
  const { rows } = await db.query<OwnershipRow>(
    `SELECT p.id AS "projectId", p.organization_id AS "organizationId", coalesce(o.raw, '') AS raw, coalesce(o.fallthrough, true) AS fallthrough,
       coalesce(o.auto_assignment, 'Auto Assign to Issue Owner') AS "autoAssignment", o.created_at AS "createdAt", o.updated_at AS "updatedAt"
     FROM projects p LEFT JOIN project_ownership o ON o.project_id = p.id WHERE p.id = ANY($1::bigint[])`,
    [projectIds],
  );
  return new Map(rows.map((r) => [r.projectId, r]));
}

export async function upsertOwnership(
  db: Queryable,
  args: { projectId: string; raw: string; fallthrough: boolean; autoAssignment: AutoAssignment },
): Promise<void> {
  await db.query(
    `INSERT INTO project_ownership (project_id, raw, fallthrough, auto_assignment) VALUES ($1, $2, $3, $4)
     ON CONFLICT (project_id) DO UPDATE SET raw = EXCLUDED.raw, fallthrough = EXCLUDED.fallthrough,
       auto_assignment = EXCLUDED.auto_assignment, updated_at = now()`,
    [args.projectId, args.raw, args.fallthrough, args.autoAssignment],
  );
}

/**
 * Assigns an issue nobody has been assigned to yet (a person's choice is never overridden) to a
 * member or a team and records the activity, naming what decided it. False when it was already
 * assigned.
 */
export async function autoAssignIssue(
  db: Queryable,
  args: {
    issueId: string;
    assignee: { type: 'user' | 'team'; id: string };
    reason: 'ownership-rule' | 'suspect-commit';
  },
): Promise<boolean> {
  const { rows } = await db.query(
    `WITH updated AS (
       UPDATE issues SET assignee_user_id = CASE WHEN $3::text = 'user' THEN $2::bigint END,
         assignee_team_id = CASE WHEN $3::text = 'team' THEN $2::bigint END
       WHERE id = $1 AND assignee_user_id IS NULL AND assignee_team_id IS NULL RETURNING id
     )
     INSERT INTO issue_activities (issue_id, user_id, kind, data)
     SELECT id, NULL, 'assigned', jsonb_build_object('assignee', $2::text, 'assigneeType', $3::text, 'reason', $4::text) FROM updated
     RETURNING issue_id`,
    [args.issueId, args.assignee.id, args.assignee.type, args.reason],
  );
  return rows.length > 0;
}
