// Suspect commits of an event (DB-bound wrapper of suspects.ts): the commits of the release the
// issue was first seen in — the whole range its deploy to the event's environment brought when
// there is one — matched against the event's frames, authors resolved to organization members.
// Serves Sentry's committers endpoint, deploy health, alert e-mails and auto-assignment.
import type { Queryable } from '../db/pool.js';
import { listDeployCommits, listReleaseCommits, type CommitRow } from './queries.js';
import { findMembersByEmails } from '../ownership/queries.js';
import { findSuspectCommits, groupByAuthor, type SuspectFrame } from './suspects.js';

export interface CommitterAuthor {
  /** Set when the author's e-mail belongs to an organization member. */
  id?: string;
  name: string | null;
  email: string | null;
}

export interface SuspectCommit {
  id: string;
  message: string | null;
  dateCreated: string | null;
  repository: { name: string; url: string | null };
  author: CommitterAuthor | null;
  release: string;
  suspectCommitType: 'via commit in release';
}

export interface Committer {
  author: CommitterAuthor;
  commits: SuspectCommit[];
}

/** The frames of every exception (the outermost last), then of the threads when none. */
export function eventFrames(payload: Record<string, unknown>): SuspectFrame[] {
  const values = ((payload.exception as { values?: unknown } | undefined)?.values ?? []) as Array<{
    stacktrace?: { frames?: unknown };
  }>;
  const threads = ((payload.threads as { values?: unknown } | undefined)?.values ?? []) as Array<{
    stacktrace?: { frames?: unknown };
  }>;
  const source = values.some((v) => Array.isArray(v?.stacktrace?.frames)) ? values : threads;
  return source
    .flatMap((v) =>
      Array.isArray(v?.stacktrace?.frames) ? (v.stacktrace!.frames as Array<Record<string, unknown>>) : [],
    )
    .slice(-500)
    .map((f) => ({
      absPath: str(f.abs_path),
      filename: str(f.filename),
      module: str(f.module),
      inApp: typeof f.in_app === 'boolean' ? f.in_app : null,
    }));
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** The commits suspects are looked for in: the deploy's range when the release was deployed to the environment. */
export async function candidateCommits(
  db: Queryable,
  args: { organizationId: string; projectId: string; version: string; environment: string | null },
): Promise<CommitRow[]> {
  const { rows } = await db.query<{ releaseId: string; previousReleaseId: string | null; deployed: boolean }>(
    `SELECT r.id AS "releaseId", d.id IS NOT NULL AS deployed,
       (SELECT p.release_id FROM deploys p
         WHERE d.id IS NOT NULL AND p.organization_id = d.organization_id AND p.environment = d.environment AND p.release_id <> r.id
           AND (p.date_finished, p.id) < (d.date_finished, d.id) AND (cardinality(p.project_ids) = 0 OR $3::bigint = ANY(p.project_ids))
         ORDER BY p.date_finished DESC, p.id DESC LIMIT 1) AS "previousReleaseId"
     FROM releases r
     LEFT JOIN LATERAL (SELECT * FROM deploys x WHERE x.release_id = r.id AND x.environment = $4 ORDER BY x.date_finished DESC, x.id DESC LIMIT 1) d ON true
     WHERE r.organization_id = $1 AND r.version = $2`,
    [args.organizationId, args.version, args.projectId, args.environment],
  );
  const r = rows[0];
  if (!r) return [];
  if (!r.deployed) return listReleaseCommits(db, r.releaseId);
  return listDeployCommits(db, {
    releaseId: r.releaseId,
    previousReleaseId: r.previousReleaseId,
    projectIds: [args.projectId],
  });
}

/** Ranked committers of the frames among the commits, authors matched to members by e-mail. */
export async function committersFor(
  db: Queryable,
  organizationId: string,
  frames: SuspectFrame[],
  commits: CommitRow[],
): Promise<Committer[]> {
  const suspects = findSuspectCommits(
    frames,
    commits.map((c, order) => ({ ...c, order, sha: c.sha, authorEmail: c.authorEmail })),
  );
  const groups = groupByAuthor(suspects.slice(0, 20));
  const members = await findMembersByEmails(
    db,
    organizationId,
    groups.flatMap((g) => (g.authorEmail ? [g.authorEmail] : [])),
  );
  return groups.map((g) => {
    const member = g.authorEmail ? members.get(g.authorEmail.toLowerCase()) : undefined;
    const first = g.commits[0]!;
    const author: CommitterAuthor = member
      ? { id: member.id, name: member.name || first.authorName, email: member.email }
      : { name: first.authorName, email: first.authorEmail };
    return { author, commits: g.commits.map((c) => toSuspect(c, author)) };
  });
}

/** The committers of one event: what GET .../events/{id}/committers/ answers. */
export async function findEventCommitters(
  db: Queryable,
  args: {
    organizationId: string;
    projectId: string;
    version: string | null;
    environment: string | null;
    payload: Record<string, unknown>;
  },
): Promise<Committer[]> {
  if (!args.version) return [];
  const commits = await candidateCommits(db, {
    organizationId: args.organizationId,
    projectId: args.projectId,
    version: args.version,
    environment: args.environment,
  });
  if (commits.length === 0) return [];
  return committersFor(db, args.organizationId, eventFrames(args.payload), commits);
}

function toSuspect(c: CommitRow, author: CommitterAuthor): SuspectCommit {
  return {
    id: c.sha,
    message: c.message,
    dateCreated: c.dateCommitted ? new Date(c.dateCommitted).toISOString() : null,
    repository: { name: c.repository, url: c.repositoryUrl },
    author,
    release: c.release,
    suspectCommitType: 'via commit in release',
  };
}
