// Implicit releases and environments: the pipeline creates them from the events it stores and
// keeps their first/last event times. (Explicit releases and deploys come from the API.)
import type { Queryable } from '../db/pool.js';

export interface ReleaseSeenRow {
  projectId: string;
  version: string;
  firstEventAt: string;
  lastEventAt: string;
  newIssueCount: number;
}

/**
 * Creates the releases (per the project's organization) and their release_projects rows, or
 * widens first/last event times and adds new issues. Rows must be unique per (project, version).
 */
export async function upsertReleasesSeen(db: Queryable, rows: ReleaseSeenRow[]): Promise<void> {
  if (rows.length === 0) return;
  const params = [
    rows.map((r) => r.projectId),
    rows.map((r) => r.version),
    rows.map((r) => r.firstEventAt),
    rows.map((r) => r.lastEventAt),
    rows.map((r) => r.newIssueCount),
  ];
  // DO NOTHING does not lock existing releases, so the common case (release exists) stays cheap.
  await db.query(
    `INSERT INTO releases (organization_id, version)
     SELECT DISTINCT p.organization_id, u.version
       FROM unnest($1::bigint[], $2::text[]) AS u(project_id, version)
       JOIN projects p ON p.id = u.project_id
      ORDER BY p.organization_id, u.version
     ON CONFLICT (organization_id, version) DO NOTHING`,
    params.slice(0, 2),
  );
  await db.query(
    `INSERT INTO release_projects (release_id, project_id, first_event_at, last_event_at, new_issue_count)
     SELECT r.id, u.project_id, u.first_event_at, u.last_event_at, u.new_issue_count
       FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::bigint[])
         AS u(project_id, version, first_event_at, last_event_at, new_issue_count)
       JOIN projects p ON p.id = u.project_id
       JOIN releases r ON r.organization_id = p.organization_id AND r.version = u.version
      ORDER BY r.id, u.project_id
     ON CONFLICT (release_id, project_id) DO UPDATE SET
       first_event_at = least(release_projects.first_event_at, excluded.first_event_at),
       last_event_at = greatest(release_projects.last_event_at, excluded.last_event_at),
       new_issue_count = release_projects.new_issue_count + excluded.new_issue_count`,
    params,
  );
}

export interface EnvironmentSeenRow {
  projectId: string;
  name: string;
  firstSeen: string;
  lastSeen: string;
}

/** Creates environments or widens their first/last seen times. Rows unique per (project, name). */
export async function upsertEnvironmentsSeen(db: Queryable, rows: EnvironmentSeenRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO environments (project_id, name, first_seen, last_seen)
     SELECT u.project_id, u.name, u.first_seen, u.last_seen
       FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS u(project_id, name, first_seen, last_seen)
       JOIN projects p ON p.id = u.project_id
      ORDER BY u.project_id, u.name
     ON CONFLICT (project_id, name) DO UPDATE SET
       first_seen = least(environments.first_seen, excluded.first_seen),
       last_seen = greatest(environments.last_seen, excluded.last_seen)`,
    [rows.map((r) => r.projectId), rows.map((r) => r.name), rows.map((r) => r.firstSeen), rows.map((r) => r.lastSeen)],
  );
}
