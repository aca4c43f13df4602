// Explicit releases from the API (sentry-cli `releases new / finalize / list / info / delete`)
// and the release lookups regressions and deploy health need. Implicit releases created from
// events are in queries.ts.
import type { Queryable } from '../db/pool.js';

export interface ReleaseRow {
  id: string;
  organizationId: string;
  version: string;
  url: string | null;
  ref: string | null;
  dateStarted: Date | null;
  dateReleased: Date | null;
  createdAt: Date;
  projects: Array<{ id: string; slug: string; name: string; platform: string | null; newGroups: number }>;
  firstEvent: Date | null;
  lastEvent: Date | null;
  newGroups: number;
  deployCount: number;
  lastDeploy: {
    id: string;
    environment: string;
    name: string | null;
    url: string | null;
    dateStarted: Date | null;
    dateFinished: Date;
  } | null;
  /** created_at in microseconds since the epoch: the list's keyset cursor. */
  createdMicros: string;
}

const RELEASE_SELECT = `
  SELECT (extract(epoch FROM r.created_at) * 1000000)::bigint::text AS "createdMicros", r.id, r.organization_id AS "organizationId", r.version, r.url, NULL::text AS ref,
    r.date_started AS "dateStarted", r.date_released AS "dateReleased", r.created_at AS "createdAt",
    coalesce(rp.projects, '[]'::json) AS projects, rp.first_event AS "firstEvent", rp.last_event AS "lastEvent",
    coalesce(rp.new_groups, 0)::int AS "newGroups", coalesce(d.count, 0)::int AS "deployCount", d.last AS "lastDeploy"
  FROM releases r
  LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('id', p.id::text, 'slug', p.slug, 'name', p.name, 'platform', p.platform,
             'newGroups', x.new_issue_count) ORDER BY p.slug) AS projects,
           min(x.first_event_at) AS first_event, max(x.last_event_at) AS last_event, sum(x.new_issue_count) AS new_groups
      FROM release_projects x JOIN projects p ON p.id = x.project_id WHERE x.release_id = r.id
  ) rp ON true
  LEFT JOIN LATERAL (
    SELECT count(*) AS count,
           (array_agg(json_build_object('id', dd.id::text, 'environment', dd.environment, 'name', dd.name, 'url', dd.url,
              'dateStarted', dd.date_started, 'dateFinished', dd.date_finished) ORDER BY dd.date_finished DESC, dd.id DESC))[1] AS last
      FROM deploys dd WHERE dd.release_id = r.id
  ) d ON true`;

type RawReleaseRow = Omit<ReleaseRow, 'lastDeploy'> & {
  lastDeploy:
    | (Omit<NonNullable<ReleaseRow['lastDeploy']>, 'dateStarted' | 'dateFinished'> & {
        dateStarted: string | null;
        dateFinished: string;
      })
    | null;
};

function toRow(r: RawReleaseRow): ReleaseRow {
  const d = r.lastDeploy;
  return {
    ...r,
    lastDeploy: d
      ? { ...d, dateStarted: d.dateStarted ? new Date(d.dateStarted) : null, dateFinished: new Date(d.dateFinished) }
      : null,
  };
}

export async function findRelease(db: Queryable, organizationId: string, version: string): Promise<ReleaseRow | null> {
  const { rows } = await db.query<RawReleaseRow>(`${RELEASE_SELECT} WHERE r.organization_id = $1 AND r.version = $2`, [
    organizationId,
    version,
  ]);
  return rows[0] ? toRow(rows[0]) : null;
}

/**
 * Newest first (created_at, id), after the keyset `before` (microseconds since the epoch, id);
 * `projectIds` narrows to releases of those projects, `query` to versions containing it.
 */
export async function listReleases(
  db: Queryable,
  args: {
    organizationId: string;
    projectIds: string[] | null;
    query: string | null;
    limit: number;
    before: { micros: string; id: string } | null;
  },
): Promise<ReleaseRow[]> {
  const result = await db.query<RawReleaseRow>(
    `${RELEASE_SELECT}
     WHERE r.organization_id = $1
       AND ($2::bigint[] IS NULL OR EXISTS (SELECT 1 FROM release_projects x WHERE x.release_id = r.id AND x.project_id = ANY($2::bigint[])))
       AND ($3::text IS NULL OR strpos(lower(r.version), lower($3)) > 0)
       AND ($4::bigint IS NULL OR ((extract(epoch FROM r.created_at) * 1000000)::bigint, r.id) < ($4::bigint, $5::bigint))
     ORDER BY r.created_at DESC, r.id DESC
     LIMIT $6`,
    [
      args.organizationId,
      args.projectIds,
      args.query,
      args.before?.micros ?? null,
      args.before?.id ?? null,
      args.limit,
    ],
  );
  return result.rows.map(toRow);
}

/** Creates the release if missing; returns its id and whether anything (release or project link) was added. */
export async function upsertRelease(
  db: Queryable,
  args: {
    organizationId: string;
    version: string;
    url: string | null;
    dateStarted: Date | null;
    dateReleased: Date | null;
    projectIds: string[];
  },
): Promise<{ id: string; changed: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO releases (organization_id, version, url, date_started, date_released) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (organization_id, version) DO NOTHING RETURNING id`,
    [args.organizationId, args.version, args.url, args.dateStarted, args.dateReleased],
  );
  const id =
    inserted.rows[0]?.id ??
    (
      await db.query<{ id: string }>(`SELECT id FROM releases WHERE organization_id = $1 AND version = $2`, [
        args.organizationId,
        args.version,
      ])
    ).rows[0]?.id;
  if (!id) throw new Error(`release ${args.version} vanished while being created; retry`);
  const linked = await db.query(
    `INSERT INTO release_projects (release_id, project_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING RETURNING project_id`,
    [id, args.projectIds],
  );
  return { id, changed: inserted.rows.length > 0 || (linked.rowCount ?? 0) > 0 };
}

/** Applies the fields present in `patch` (undefined = keep). The release id, null when it does not exist. */
export async function updateRelease(
  db: Queryable,
  args: {
    organizationId: string;
    version: string;
    url?: string | null;
    dateReleased?: Date | null;
    dateStarted?: Date | null;
    projectIds?: string[];
  },
): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE releases SET
       url = CASE WHEN $3 THEN $4 ELSE url END,
       date_released = CASE WHEN $5 THEN $6::timestamptz ELSE date_released END,
       date_started = CASE WHEN $7 THEN $8::timestamptz ELSE date_started END
     WHERE organization_id = $1 AND version = $2 RETURNING id`,
    [
      args.organizationId,
      args.version,
      args.url !== undefined,
      args.url ?? null,
      args.dateReleased !== undefined,
      args.dateReleased ?? null,
      args.dateStarted !== undefined,
      args.dateStarted ?? null,
    ],
  );
  const id = rows[0]?.id;
  if (!id) return null;
  if (args.projectIds && args.projectIds.length > 0) {
    await db.query(
      `INSERT INTO release_projects (release_id, project_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
      [id, args.projectIds],
    );
  }
  return id;
}

export async function deleteRelease(db: Queryable, organizationId: string, version: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM releases WHERE organization_id = $1 AND version = $2`, [
    organizationId,
    version,
  ]);
  return (rowCount ?? 0) > 0;
}

/** The project's newest release (created order), what "resolve in next release" compares with. */
export async function findLatestReleaseVersion(db: Queryable, projectId: string): Promise<string | null> {
  const { rows } = await db.query<{ version: string }>(
    `SELECT r.version FROM releases r JOIN release_projects x ON x.release_id = r.id
      WHERE x.project_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 1`,
    [projectId],
  );
  return rows[0]?.version ?? null;
}

/** Creation dates of releases, per (project, version) pair: the inputs of release ordering. */
export async function listReleaseDates(
  db: Queryable,
  pairs: Array<{ projectId: string; version: string }>,
): Promise<Array<{ projectId: string; version: string; createdAt: Date }>> {
  if (pairs.length === 0) return [];
  const { rows } = await db.query<{ projectId: string; version: string; createdAt: Date }>(
    `SELECT u.project_id::text AS "projectId", r.version, r.created_at AS "createdAt"
       FROM unnest($1::bigint[], $2::text[]) AS u(project_id, version)
       JOIN projects p ON p.id = u.project_id
       JOIN releases r ON r.organization_id = p.organization_id AND r.version = u.version`,
    [pairs.map((p) => p.projectId), pairs.map((p) => p.version)],
  );
  return rows;
}

/** The organization's projects named by slug or numeric id (sentry-cli sends either). */
export async function listProjectsByRef(
  db: Queryable,
  organizationId: string,
  refs: string[],
): Promise<Array<{ id: string; slug: string }>> {
  if (refs.length === 0) return [];
  const { rows } = await db.query<{ id: string; slug: string }>(
    `SELECT id::text, slug FROM projects WHERE organization_id = $1 AND (slug = ANY($2::text[]) OR id::text = ANY($2::text[]))`,
    [organizationId, refs],
  );
  return rows;
}
