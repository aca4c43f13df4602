// Repositories, commits and the commits of each release (sentry-cli `set-commits`): one query
// per function. A release's commits are replaced whole in one transaction (Sentry's
// set_commits), so a failed request leaves the previous list in place.
import type { Queryable } from '../db/pool.js';

export interface RepositoryRow {
  id: string;
  name: string;
  url: string | null;
  provider: string | null;
  createdAt: Date;
}

export interface CommitInput {
  sha: string;
  repository: string;
  message: string | null;
  authorName: string | null;
  authorEmail: string | null;
  timestamp: Date | null;
  files: Array<{ path: string; type: 'A' | 'M' | 'D' }>;
}

export interface CommitRow {
  id: string;
  sha: string;
  repository: string;
  repositoryUrl: string | null;
  message: string | null;
  authorName: string | null;
  authorEmail: string | null;
  dateCommitted: Date | null;
  /** Order within its release as sent (0 = newest). */
  position: number;
  /** Which release (version) brought it. */
  release: string;
  files: Array<{ path: string; type: string }>;
}

const REPO_COLUMNS = `id, name, url, provider, created_at AS "createdAt"`;

export async function listRepositories(db: Queryable, organizationId: string): Promise<RepositoryRow[]> {
  const { rows } = await db.query<RepositoryRow>(
    `SELECT ${REPO_COLUMNS} FROM repositories WHERE organization_id = $1 ORDER BY name LIMIT 1000`,
    [organizationId],
  );
  return rows;
}

/** Creates the repository; null when the name is already taken. */
export async function insertRepository(
  db: Queryable,
  args: { organizationId: string; name: string; url: string | null; provider: string | null },
): Promise<RepositoryRow | null> {
  const { rows } = await db.query<RepositoryRow>(
    `INSERT INTO repositories (organization_id, name, url, provider) VALUES ($1, $2, $3, $4)
     ON CONFLICT (organization_id, name) DO NOTHING RETURNING ${REPO_COLUMNS}`,
    [args.organizationId, args.name, args.url, args.provider],
  );
  return rows[0] ?? null;
}

export async function listRepositoriesByName(
  db: Queryable,
  organizationId: string,
  names: string[],
): Promise<RepositoryRow[]> {
  const { rows } = await db.query<RepositoryRow>(
    `SELECT ${REPO_COLUMNS} FROM repositories WHERE organization_id = $1 AND name = ANY($2::text[])`,
    [organizationId, names],
  );
  return rows;
}

/** Creates the repositories named that do not exist yet (Sentry does so for commits naming one). */
export async function ensureRepositories(
  db: Queryable,
  organizationId: string,
  names: string[],
): Promise<Map<string, string>> {
  await db.query(
    `INSERT INTO repositories (organization_id, name) SELECT $1, unnest($2::text[]) ON CONFLICT (organization_id, name) DO NOTHING`,
    [organizationId, names],
  );
  return new Map((await listRepositoriesByName(db, organizationId, names)).map((r) => [r.name, r.id]));
}

/**
 * Replaces the commits of a release with `commits` (newest first). Commits already known (same
 * repository and sha) are updated with what this request knows, their files replaced when sent.
 * Run inside a transaction.
 */
export async function replaceReleaseCommits(
  db: Queryable,
  args: { organizationId: string; releaseId: string; commits: CommitInput[] },
): Promise<void> {
  await db.query(`DELETE FROM release_commits WHERE release_id = $1`, [args.releaseId]);
  if (args.commits.length === 0) return;
  const repos = await ensureRepositories(db, args.organizationId, [...new Set(args.commits.map((c) => c.repository))]);
  const c = args.commits;
  const { rows } = await db.query<{ id: string; sha: string; repositoryId: string }>(
    `INSERT INTO commits (repository_id, sha, message, author_name, author_email, date_committed)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
     ON CONFLICT (repository_id, sha) DO UPDATE SET
       message = coalesce(EXCLUDED.message, commits.message), author_name = coalesce(EXCLUDED.author_name, commits.author_name),
       author_email = coalesce(EXCLUDED.author_email, commits.author_email), date_committed = coalesce(EXCLUDED.date_committed, commits.date_committed)
     RETURNING id, sha, repository_id AS "repositoryId"`,
    [
      c.map((x) => repos.get(x.repository)),
      c.map((x) => x.sha),
      c.map((x) => x.message),
      c.map((x) => x.authorName),
      c.map((x) => x.authorEmail),
      c.map((x) => x.timestamp),
    ],
  );
  const idOf = new Map(rows.map((r) => [`${r.repositoryId}:${r.sha}`, r.id]));
  const ids = c.map((x) => idOf.get(`${repos.get(x.repository)}:${x.sha}`)!);
  const withFiles = c.flatMap((x, i) => (x.files.length > 0 ? [ids[i]!] : []));
  await db.query(`DELETE FROM commit_files WHERE commit_id = ANY($1::bigint[])`, [withFiles]);
  const files = c.flatMap((x, i) => x.files.map((f) => ({ id: ids[i]!, ...f })));
  await db.query(
    `INSERT INTO commit_files (commit_id, path, type) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
    [files.map((f) => f.id), files.map((f) => f.path), files.map((f) => f.type)],
  );
  await db.query(
    `INSERT INTO release_commits (release_id, commit_id, position) SELECT $1, id, n - 1 FROM unnest($2::bigint[]) WITH ORDINALITY AS u(id, n)
     ON CONFLICT DO NOTHING`,
    [args.releaseId, ids],
  );
}

const COMMIT_SELECT = `
  SELECT c.id, c.sha, repo.name AS repository, repo.url AS "repositoryUrl", c.message, c.author_name AS "authorName",
    c.author_email AS "authorEmail", c.date_committed AS "dateCommitted", rc.position, r.version AS release,
    coalesce((SELECT json_agg(json_build_object('path', f.path, 'type', f.type) ORDER BY f.path) FROM commit_files f WHERE f.commit_id = c.id), '[]'::json) AS files
  FROM release_commits rc
  JOIN releases r ON r.id = rc.release_id
  JOIN commits c ON c.id = rc.commit_id
  JOIN repositories repo ON repo.id = c.repository_id`;

/** A release's commits, newest first (bounded: the CLI sends at most a few hundred). */
export async function listReleaseCommits(db: Queryable, releaseId: string, limit = 1000): Promise<CommitRow[]> {
  const { rows } = await db.query<CommitRow>(
    `${COMMIT_SELECT} WHERE rc.release_id = $1 ORDER BY rc.position LIMIT $2`,
    [releaseId, limit],
  );
  return rows;
}

/**
 * The commits a deploy brought to its environment: those of every release of the deploy's
 * projects created after the release of the previous deploy there, up to this deploy's release
 * (newest release first). Without a previous deploy, the release's own commits.
 */
export async function listDeployCommits(
  db: Queryable,
  args: { releaseId: string; previousReleaseId: string | null; projectIds: string[] },
  limit = 1000,
): Promise<CommitRow[]> {
  const { rows } = await db.query<CommitRow>(
    `${COMMIT_SELECT}
     WHERE rc.release_id IN (
       SELECT x.id FROM releases x, releases cur
        WHERE cur.id = $1 AND x.organization_id = cur.organization_id
          AND (x.id = cur.id OR ($2::bigint IS NOT NULL AND (x.created_at, x.id) <= (cur.created_at, cur.id)
               AND (x.created_at, x.id) > (SELECT p.created_at, p.id FROM releases p WHERE p.id = $2)
               AND EXISTS (SELECT 1 FROM release_projects rp WHERE rp.release_id = x.id AND rp.project_id = ANY($3::bigint[])))))
     ORDER BY r.created_at DESC, r.id DESC, rc.position LIMIT $4`,
    [args.releaseId, args.previousReleaseId, args.projectIds, limit],
  );
  return dedupe(rows);
}

function dedupe(rows: CommitRow[]): CommitRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
}

export interface ReleaseCommitSummary {
  releaseId: string;
  commitCount: number;
  lastCommit: CommitRow | null;
  authors: Array<{ name: string | null; email: string | null }>;
}

/** commitCount, lastCommit and authors of each release (release JSON). */
export async function listReleaseCommitSummaries(
  db: Queryable,
  releaseIds: string[],
): Promise<Map<string, ReleaseCommitSummary>> {
  if (releaseIds.length === 0) return new Map();
  const { rows } = await db.query<{
    releaseId: string;
    commitCount: number;
    authors: Array<{ name: string | null; email: string | null }>;
  }>(
    `SELECT rc.release_id AS "releaseId", count(*)::int AS "commitCount",
       coalesce(json_agg(DISTINCT jsonb_build_object('name', c.author_name, 'email', lower(c.author_email))) FILTER (WHERE c.author_email IS NOT NULL), '[]'::json) AS authors
     FROM release_commits rc JOIN commits c ON c.id = rc.commit_id
     WHERE rc.release_id = ANY($1::bigint[]) GROUP BY rc.release_id`,
    [releaseIds],
  );
  const heads = await db.query<CommitRow & { releaseId: string }>(
    `${COMMIT_SELECT} WHERE rc.release_id = ANY($1::bigint[]) AND rc.position = 0`.replace(
      'SELECT c.id',
      'SELECT rc.release_id AS "releaseId", c.id',
    ),
    [releaseIds],
  );
  const out = new Map<string, ReleaseCommitSummary>();
  for (const r of rows)
    out.set(r.releaseId, { ...r, lastCommit: heads.rows.find((h) => h.releaseId === r.releaseId) ?? null });
  return out;
}

/** The newest release before this one (creation order) sharing a project and having commits. */
export async function findPreviousReleaseWithCommits(
  db: Queryable,
  releaseId: string,
): Promise<{ version: string; headSha: string } | null> {
  const { rows } = await db.query<{ version: string; headSha: string }>(
    `SELECT x.version, c.sha AS "headSha"
       FROM releases cur
       JOIN releases x ON x.organization_id = cur.organization_id AND (x.created_at, x.id) < (cur.created_at, cur.id)
       JOIN release_commits rc ON rc.release_id = x.id AND rc.position = 0
       JOIN commits c ON c.id = rc.commit_id
      WHERE cur.id = $1
        AND (NOT EXISTS (SELECT 1 FROM release_projects a WHERE a.release_id = cur.id)
             OR EXISTS (SELECT 1 FROM release_projects a JOIN release_projects b ON b.project_id = a.project_id
                         WHERE a.release_id = cur.id AND b.release_id = x.id))
      ORDER BY x.created_at DESC, x.id DESC LIMIT 1`,
    [releaseId],
  );
  return rows[0] ?? null;
}

/** The release of the deploy to the same environment (and projects) just before this one. */
export async function findPreviousDeployReleaseId(
  db: Queryable,
  d: {
    organizationId: string;
    environment: string;
    releaseId: string;
    dateFinished: Date;
    id: string;
    projectIds: string[];
  },
): Promise<string | null> {
  const { rows } = await db.query<{ releaseId: string }>(
    `SELECT release_id AS "releaseId" FROM deploys
      WHERE organization_id = $1 AND environment = $2 AND release_id <> $3 AND (date_finished, id) < ($4::timestamptz, $5::bigint)
        AND (cardinality($6::bigint[]) = 0 OR project_ids && $6::bigint[])
      ORDER BY date_finished DESC, id DESC LIMIT 1`,
    [d.organizationId, d.environment, d.releaseId, d.dateFinished, d.id, d.projectIds],
  );
  return rows[0]?.releaseId ?? null;
}

export async function findIssueFirstRelease(db: Queryable, issueId: string): Promise<string | null> {
  const { rows } = await db.query<{ firstRelease: string | null }>(
    `SELECT first_release AS "firstRelease" FROM issues WHERE id = $1`,
    [issueId],
  );
  return rows[0]?.firstRelease ?? null;
}
